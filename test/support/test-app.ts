import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT } from 'jose';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { CommandBus } from '@nestjs/cqrs';
import type { NewApiKey } from '../../src/auth/api-keys/api-keys.service.js';
import { CreateApiKeyCommand } from '../../src/auth/api-keys/commands/create-api-key/create-api-key.command.js';
import { loadOrCreateDevSigningKey } from '../../src/auth/tokens/dev-signing-key.js';
import { loadConfig, type AppConfig, type Env } from '../../src/config/app-config.js';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  db: DataSource;
  request<T = any>(method: string, path: string, init?: { headers?: Record<string, string>; body?: unknown; rawBody?: string | Uint8Array }): Promise<HttpResult<T>>;
  /** A fresh API key; returns the plaintext and its row id. */
  createApiKey(input?: Partial<NewApiKey>): Promise<{ key: string; id: string }>;
  /** A token signed by this app's dev key; `claims` override or remove (undefined) the defaults. */
  token(opts?: { sub?: string; scope?: string; ttl?: number; claims?: Record<string, unknown>; header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

const GENEROUS_RATE_LIMITS: Partial<Env> = {
  RATE_LIMIT_READS_PER_MINUTE: '1000000',
  RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '1000000',
};

/** A unique string per call, so that tests sharing one database never see each other's rows. */
export const unique = (prefix = 't') => `${prefix}-${randomUUID().slice(0, 12)}`;

/**
 * The real app on a random port, against DATABASE_URL (the test runner starts an embedded server when it is
 * unset). Each app gets its own data dir, so its own dev signing key.
 */
export async function startTestApp(env: Partial<Env> = {}): Promise<TestApp> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set: run the tests with `npm test`.');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'cqrs-test-')),
    // The suite makes many requests, good and bad, from 127.0.0.1: rate-limit tests set small limits themselves.
    ...GENEROUS_RATE_LIMITS,
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const app = await createApp(config, databaseUrl);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    app,
    config,
    baseUrl,
    db: app.get(DataSource),
    async request(method, path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      let body: string | Uint8Array | undefined = init.rawBody;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed as any, text };
    },
    async createApiKey(input = {}) {
      // Through the same command as the API, so test keys are made (and audited) like real ones.
      const command = new CreateApiKeyCommand({ name: unique('key'), ...input }, {
        user: { sub: 'test', issuer: 'test-support', clientId: null, scopes: new Set() },
        apiKeyId: null,
        requestId: randomUUID(),
        ip: null,
        userAgent: null,
      });
      const { key, plaintext } = await app.get(CommandBus).execute(command);
      return { key: plaintext, id: key.id };
    },
    async token(opts = {}) {
      const key = loadOrCreateDevSigningKey(config.auth.devSigningKeyPath);
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: config.auth.issuer,
        aud: config.auth.audience,
        sub: opts.sub ?? unique('user'),
        scope: opts.scope ?? '',
        client_id: 'test-client',
        iat: now,
        exp: now + (opts.ttl ?? 300),
        ...(opts.claims ?? {}),
      };
      for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...(opts.header ?? {}) } as never)
        .sign(key.privateKey);
    },
    async close() {
      await app.close();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const apiKey = (key: string) => ({ 'x-api-key': key });
