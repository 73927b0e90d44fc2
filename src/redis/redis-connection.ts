import { createClient, type RedisClientType } from '@keyv/redis';
import { setTimeout } from 'node:timers/promises';

const CONNECT_WAIT_MS = 2_000;

/**
 * A node-redis client that never holds a request up: commands are refused at once while it is not connected (no
 * offline queue), and a Redis that is down does not stop the start: the client keeps reconnecting in the background.
 * Waits at most CONNECT_WAIT_MS for the first connection.
 */
export async function connectRedis(url: string, onError: (error: unknown) => void): Promise<RedisClientType> {
  const client = createClient({ url, disableOfflineQueue: true }) as RedisClientType;
  client.on('error', onError);
  const connected = client.connect().catch(onError);
  await Promise.race([connected, setTimeout(CONNECT_WAIT_MS, undefined, { ref: false })]);
  return client;
}

/** Closes politely when connected, at once otherwise. */
export async function closeRedis(client: RedisClientType): Promise<void> {
  if (client.isReady) await client.close();
  else if (client.isOpen) client.destroy();
}
