import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { isUUID } from 'class-validator';
import { ApiKeyResponse } from '../auth/api-keys/api-key.response.js';
import type { ApiKeyEntity } from '../auth/api-keys/api-key.entity.js';
import { CreateApiKeyCommand } from '../auth/api-keys/commands/create-api-key/create-api-key.command.js';
import { CreateApiKeyRequest } from '../auth/api-keys/commands/create-api-key/create-api-key.request.js';
import { RevokeApiKeyCommand } from '../auth/api-keys/commands/revoke-api-key/revoke-api-key.command.js';
import { RotateApiKeyCommand } from '../auth/api-keys/commands/rotate-api-key/rotate-api-key.command.js';
import { RotateApiKeyRequest } from '../auth/api-keys/commands/rotate-api-key/rotate-api-key.request.js';
import { ListApiKeysQuery } from '../auth/api-keys/queries/list-api-keys/list-api-keys.query.js';
import type { Cursor } from '../http/cursor.js';
import { toDate } from '../http/instant.js';
import { ProblemException } from '../http/problem.js';
import { cliWriteContext, fail, parseArgs, validated, withAppContext } from './cli-context.js';

const USAGE = `Usage:
  npm run apikey -- create --name <name> [--rate-limit <per minute>] [--expires-at <RFC 3339 date-time>]
  npm run apikey -- list [--json]
  npm run apikey -- rotate <id> [--grace-seconds <seconds>] [--expires-at <RFC 3339 date-time>]
  npm run apikey -- revoke <id>
create and rotate print the new key alone on the last line of stdout (KEY=$(npm run -s apikey -- create --name x | tail -n1)).`;

const CLIENT = 'apikey-cli';
// Decimal digits only, as in a query string: Number() would also take `0x10`, `1e3` or ` 5`; anything else goes to the validators as it is.
const number = (flag: string | undefined) => (flag !== undefined && /^\d{1,9}$/.test(flag) ? Number(flag) : flag);

/**
 * The same commands and queries the HTTP API sends, through the application context: the CLI cannot disagree with
 * the API about a rule, and its writes are audited like the API's (see cliWriteContext for the actor).
 */
async function main(): Promise<void> {
  const { positional, flags } = parseArgs(
    process.argv.slice(2),
    { name: 'string', 'rate-limit': 'string', 'expires-at': 'string', 'grace-seconds': 'string', json: 'boolean' },
    USAGE,
    2,
  );
  const [command, id] = positional;
  // Only rotate and revoke name a key.
  if (id !== undefined && command !== 'rotate' && command !== 'revoke') fail(`Unexpected argument: ${id}\n${USAGE}`);
  switch (command) {
    case 'create': {
      const body = await validated(CreateApiKeyRequest, {
        name: flags.name,
        rateLimitPerMinute: number(flags['rate-limit']),
        expiresAt: flags['expires-at'],
      });
      const input = { name: body.name, rateLimitPerMinute: body.rateLimitPerMinute, expiresAt: toDate(body.expiresAt) };
      return run(async (app) => {
        const { key, plaintext } = await app.get(CommandBus).execute(new CreateApiKeyCommand(input, cliWriteContext(CLIENT)));
        printNewKey(`Created API key ${key.id} (${key.name}).`, plaintext);
      });
    }
    case 'rotate': {
      const body = await validated(RotateApiKeyRequest, {
        gracePeriodSeconds: number(flags['grace-seconds']),
        expiresAt: flags['expires-at'],
      });
      const input = { gracePeriodSeconds: body.gracePeriodSeconds, expiresAt: toDate(body.expiresAt) };
      return run(async (app) => {
        const { key, replaced, plaintext } = await app
          .get(CommandBus)
          .execute(new RotateApiKeyCommand(uuid(id), input, cliWriteContext(CLIENT)));
        printNewKey(`Rotated ${replaced.id} to ${key.id}; the old key works until ${replaced.graceUntil!.toISOString()}.`, plaintext);
      });
    }
    case 'revoke':
      return run(async (app) => {
        const key = await app.get(CommandBus).execute(new RevokeApiKeyCommand(uuid(id), cliWriteContext(CLIENT)));
        console.log(`Revoked ${key.id} (${key.name}) at ${key.revokedAt!.toISOString()}.`);
      });
    case 'list':
      return run(async (app) => {
        const keys = (await allKeys(app)).map((k) => ApiKeyResponse.from(k));
        if (flags.json) console.log(JSON.stringify(keys, null, 2));
        else
          console.table(
            keys.map((k) => ({ id: k.id, key: k.maskedKey, name: k.name, status: k.status, created: k.createdAt, by: k.createdBy, lastUsed: k.lastUsedAt, requests: k.requestCount })),
          );
      });
    default:
      fail(USAGE);
  }
}

function uuid(id: string | undefined): string {
  if (!id || !isUUID(id)) fail(`The key's id (a UUID, as \`list\` shows it) is required.\n${USAGE}`);
  return id;
}

async function allKeys(app: INestApplicationContext): Promise<ApiKeyEntity[]> {
  const keys: ApiKeyEntity[] = [];
  let after: Cursor | undefined;
  do {
    const page = await app.get(QueryBus).execute(new ListApiKeysQuery(100, after));
    keys.push(...page.rows);
    after = page.next ?? undefined;
  } while (after);
  return keys;
}

function printNewKey(summary: string, plaintext: string): void {
  console.error(`${summary} The key is shown once; store it now:`);
  // The key alone on the last line of stdout, so scripts can take it with `tail -n1`.
  console.log(plaintext);
}

/** A refusal by the rules (404, 409) is the user's to fix: its detail and exit code 2, like a usage error; no stack. */
async function run(work: (app: INestApplicationContext) => Promise<void>): Promise<void> {
  try {
    await withAppContext(work);
  } catch (e) {
    if (e instanceof ProblemException) fail(e.problem.detail ?? e.message);
    throw e;
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
