import { ApiKeysService } from '../auth/api-keys/api-keys.service.js';
import { fail, parseArgs, withAppContext } from './cli-context.js';

const USAGE = `Usage: npm run apikey -- create --name <name> [--rate-limit <per minute>] [--expires-at <ISO date>]`;

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const [command] = positional;
  if (command !== 'create') fail(USAGE);
  const name = flags.name;
  if (!name || name === 'true' || name.length > 100) fail(`--name is required (1-100 characters).\n${USAGE}`);
  const rateLimit = flags['rate-limit'] === undefined ? null : Number(flags['rate-limit']);
  if (rateLimit !== null && !(Number.isInteger(rateLimit) && rateLimit > 0)) fail('--rate-limit must be a positive whole number.');
  const expiresAt = flags['expires-at'] ? new Date(flags['expires-at']) : null;
  if (expiresAt && Number.isNaN(expiresAt.getTime())) fail('--expires-at must be an ISO 8601 date.');

  await withAppContext(async (app) => {
    const { key, plaintext } = await app
      .get(ApiKeysService)
      .create({ name, createdBy: 'cli', rateLimitPerMinute: rateLimit, expiresAt });
    console.error(`Created API key ${key.id} (${key.name}). It is shown once; store it now:`);
    // The key alone on the last line of stdout, so scripts can take it with `tail -n1`.
    console.log(plaintext);
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
