import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs as parseNodeArgs } from 'node:util';
import type { WriteContext } from '../audit/write-context.js';
import { AppModule } from '../app.module.js';
import { loadConfig, type AppConfig } from '../config/app-config.js';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database/data-source-options.js';
import { openDatabaseServer } from '../database/database-server.js';
import { runMigrations } from '../database/run-migrations.js';
import { ProblemException } from '../http/problem.js';
import { createValidationPipe } from '../http/validation.pipe.js';

/**
 * Runs `work` inside the same application (config, database, migrations, services) as the server, without HTTP,
 * so that a CLI can never disagree with the API about a rule.
 */
export async function withAppContext<T>(work: (app: INestApplicationContext, config: AppConfig) => Promise<T>): Promise<T> {
  // A CLI never relays the outbox: it would take events (and publish them to its own EventBus) that servers should.
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, OUTBOX_RELAY_ENABLED: 'false' });
  const database = await openDatabaseServer(config);
  try {
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, database.url), { logger: ['error'] });
    try {
      return await work(app, config);
    } finally {
      await app.close();
    }
  } finally {
    await database.stop();
  }
}

type FlagTypes = Record<string, 'string' | 'boolean'>;
type FlagValues<F extends FlagTypes> = { [K in keyof F]?: F[K] extends 'boolean' ? boolean : string };

/**
 * node:util's parser, strict: an unknown flag (`--scopes` for `--scope`) or a missing value stops with the usage
 * instead of being ignored; `--help` prints the usage and exits 0.
 */
export function parseArgs<F extends FlagTypes>(
  argv: string[],
  flags: F,
  usage: string,
  maxPositionals = 0,
): { positional: string[]; flags: FlagValues<F> } {
  const options = Object.fromEntries(Object.entries({ ...flags, help: 'boolean' as const }).map(([name, type]) => [name, { type }]));
  let parsed: { values: Record<string, unknown>; positionals: string[]; tokens?: { kind: string; name?: string }[] };
  try {
    parsed = parseNodeArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    fail(`${(e as Error).message}\n${usage}`);
  }
  // Given twice, one of them would be dropped without a word; an argument too many would be ignored.
  const names = (parsed.tokens ?? []).filter((t) => t.kind === 'option').map((t) => t.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) fail(`--${repeated} is given twice.\n${usage}`);
  if (parsed.positionals.length > maxPositionals) fail(`Unexpected argument: ${parsed.positionals[maxPositionals]}\n${usage}`);
  if (parsed.values.help) {
    console.log(usage);
    process.exit(0);
  }
  return { positional: parsed.positionals, flags: parsed.values as FlagValues<F> };
}

export function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/** The issuer recorded for writes made from this machine's command line: never a URL, so never a real identity provider. */
export const CLI_ISSUER = 'local-cli';

/**
 * Who writes from the command line: the operating-system user, as `cli:<user>` from the `local-cli` issuer. Whoever
 * runs the CLI can reach the database anyway, so no token is asked for; the audit trail still names them.
 */
export function cliWriteContext(client: string): WriteContext {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A container user without a passwd entry.
    user = process.env.USER ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  return {
    user: { sub: `cli:${user}`, issuer: CLI_ISSUER, clientId: client, scopes: new Set() },
    apiKeyId: null,
    requestId: `cli-${randomUUID()}`,
    ip: null,
    userAgent: client,
  };
}

/** Validates command-line input with the API's own request class, so both refuse the same values. */
export async function validated<T extends object>(type: new () => T, plain: Record<string, unknown>): Promise<T> {
  const defined = Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined));
  try {
    // The HTTP API's own pipe: the same rules and the same one message per field.
    return (await createValidationPipe().transform(defined, { type: 'body', metatype: type })) as T;
  } catch (e) {
    if (e instanceof ProblemException) fail((e.problem.errors ?? []).flatMap((f) => f.messages).join('\n') || (e.problem.detail ?? e.message));
    throw e;
  }
}

/** A bare, migrated data source without Nest: for the migration CLIs, which must work before the app can start. */
export async function withMigratedDataSource<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const server = await openDatabaseServer(config);
  const dataSource = await new DataSource(dataSourceOptions(config, server.url)).initialize();
  try {
    await runMigrations(dataSource);
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
    await server.stop();
  }
}
