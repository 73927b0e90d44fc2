import { createClient, type RedisClientType } from '@keyv/redis';
import { setTimeout as sleep } from 'node:timers/promises';

const CONNECT_WAIT_MS = 2_000;

/**
 * A node-redis client that never holds a request up: commands are refused at once while it is not connected (no
 * offline queue), and it keeps reconnecting in the background. Not connected yet: see waitForRedis.
 */
export function createRedisClient(url: string, onError: (error: unknown) => void): RedisClientType {
  const client = createClient({ url, disableOfflineQueue: true }) as RedisClientType;
  client.on('error', onError);
  return client;
}

/** Connects, waiting at most CONNECT_WAIT_MS: a Redis that is down does not stop the start. Whether it is ready. */
export async function waitForRedis(client: RedisClientType, onError: (error: unknown) => void): Promise<boolean> {
  if (!client.isOpen) {
    const connected = client.connect().catch(onError);
    await Promise.race([connected, sleep(CONNECT_WAIT_MS, undefined, { ref: false })]);
  }
  return client.isReady;
}

/** createRedisClient, then waitForRedis. */
export async function connectRedis(url: string, onError: (error: unknown) => void): Promise<RedisClientType> {
  const client = createRedisClient(url, onError);
  await waitForRedis(client, onError);
  return client;
}

/** Closes politely when connected, at once otherwise. */
export async function closeRedis(client: RedisClientType): Promise<void> {
  if (client.isReady) await client.close();
  else if (client.isOpen) client.destroy();
}
