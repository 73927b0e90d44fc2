import 'reflect-metadata';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory.js';
import { ConfigError, DEFAULT_API_KEY_PEPPER, loadConfig } from './config/app-config.js';
import { openDatabaseServer } from './database/database-server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.env === 'production' && config.apiKeys.pepper === DEFAULT_API_KEY_PEPPER) {
    console.warn('API_KEY_PEPPER is not set: API keys are hashed with the public default key. Set it before issuing keys.');
  }
  const database = await openDatabaseServer(config, (m) => console.log(m));
  const app = await createApp(config, database.url).catch(async (e) => {
    await database.stop();
    throw e;
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      await drainHttp(app);
      await app.close();
    } finally {
      // The pool closes first, then the server it was talking to.
      await database.stop();
      console.log(`Stopped on ${signal}`);
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.http.port, host: config.http.host });
  console.log(`Listening on http://${config.http.host}:${config.http.port} (docs at /docs)`);
}

/**
 * Stops taking requests and lets those in flight finish (at most 10 s) before Nest's shutdown closes the pool under
 * them. Keep-alive connections are closed as soon as they are idle, so a client's open socket does not hold us up.
 */
async function drainHttp(app: NestFastifyApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  const closed = app.getHttpAdapter().getInstance().close();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  await Promise.race([closed, sleep(10_000)]);
  clearInterval(sweep);
  server.closeAllConnections();
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
