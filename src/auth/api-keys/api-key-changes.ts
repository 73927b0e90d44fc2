import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisClientType } from '@keyv/redis';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import { closeRedis, connectRedis } from '../../redis/redis-connection.js';
import { ApiKeysService } from './api-keys.service.js';

/**
 * A key was revoked or rotated: every instance must stop trusting what it cached of it. This instance forgets it at
 * once; with REDIS_URL the others hear of it through Redis pub/sub before the write's response has left, so "refused
 * from the next request on" holds across instances too. Without Redis (or while it is unreachable) the others catch
 * up within API_KEY_CACHE_TTL_MS, when their cached row expires.
 */
@Injectable()
export class ApiKeyChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeyChanges');
  private readonly channel: string;
  private publisher?: RedisClientType;
  private subscriber?: RedisClientType;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysService,
  ) {
    this.channel = `${config.redisKeyPrefix}api-key-changes`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.redisUrl || this.config.apiKeys.cacheTtlMs === 0) return;
    const onError = (err: unknown) => this.logger.warn({ err }, 'Redis unavailable: other instances learn of key changes within API_KEY_CACHE_TTL_MS');
    // A connection in subscriber mode can do nothing else, hence two. Neither start waits for a Redis that is down.
    const [publisher, subscriber] = await Promise.all([connectRedis(this.config.redisUrl, onError), connectRedis(this.config.redisUrl, onError)]);
    this.publisher = publisher;
    this.subscriber = subscriber;
    // node-redis subscribes again by itself after a reconnect, but only to what it once subscribed to.
    let subscribed = false;
    const subscribe = () => {
      if (subscribed || !subscriber.isReady) return;
      subscribed = true;
      subscriber.subscribe(this.channel, (keyId) => this.apiKeys.forget(keyId)).catch((err: unknown) => {
        subscribed = false;
        onError(err);
      });
    };
    subscriber.on('ready', subscribe);
    subscribe();
  }

  /** Call after the change to the key has committed. */
  async changed(keyId: string): Promise<void> {
    this.apiKeys.forget(keyId);
    await this.publisher?.publish(this.channel, keyId).catch((err: unknown) => this.logger.warn({ err }, 'Could not announce a key change'));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.subscriber, this.publisher].map((c) => c && closeRedis(c)));
  }
}
