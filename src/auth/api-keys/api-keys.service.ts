import { Inject, Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { DataSource, type FindOptionsSelect } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import type { ApiKeyPrincipal } from '../principals.js';
import { generateApiKey, hashApiKeySecret, maskApiKey, parseApiKey, verifyApiKeySecret } from './api-key-format.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { isAccepted, statusOf } from './domain/api-key-rules.js';

export interface NewApiKey {
  name: string;
  expiresAt?: Date | null;
  rateLimitPerMinute?: number | null;
}

/** What authentication needs of a row, and all the cache holds. */
const CACHED_COLUMNS = {
  id: true,
  keyId: true,
  name: true,
  secretHash: true,
  revokedAt: true,
  expiresAt: true,
  replacedBy: true,
  graceUntil: true,
  rateLimitPerMinute: true,
} as const satisfies FindOptionsSelect<ApiKeyEntity>;
type CachedKey = Pick<ApiKeyEntity, keyof typeof CACHED_COLUMNS>;

/**
 * Issues keys and authenticates them. Rows found by their public key id are cached for at most
 * API_KEY_CACHE_TTL_MS; the secret is still verified against the cached hash on every request, and expiry and
 * grace periods are checked against the clock, so the cache can only delay a change made on *another* instance
 * (a revocation or rotation) by that TTL. Changes made here call `forget()` and take effect at once.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly cache: LRUCache<string, CachedKey> | null;
  /** Bumped by `forget()`: a lookup that started before a revocation must not cache the row it read. */
  private epoch = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly usage: ApiKeyUsage,
  ) {
    const ttl = config.apiKeys.cacheTtlMs;
    this.cache = ttl > 0 ? new LRUCache({ max: 10_000, ttl, ttlAutopurge: false }) : null;
  }

  /** A new row and its plaintext; the plaintext is returned once, from here, and is never stored or logged. */
  issue(input: NewApiKey, createdBy: string, now: Date): { row: ApiKeyEntity; plaintext: string } {
    const { keyId, secret, plaintext } = generateApiKey();
    const row: ApiKeyEntity = {
      id: randomUUID(),
      keyId,
      name: input.name,
      secretHash: hashApiKeySecret(secret, this.config.apiKeys.pepper),
      createdBy,
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      lastUsedAt: null,
      requestCount: '0',
      replacedBy: null,
      graceUntil: null,
    };
    return { row, plaintext };
  }

  /** Drops a key from this instance's cache; call it after the change to the key has committed. */
  forget(keyId: string): void {
    this.epoch++;
    this.cache?.delete(keyId);
  }

  /**
   * Null for any fault: the caller answers every fault with the same 401. The fault itself goes to the log only,
   * under the key's masked public id, never with the secret.
   */
  async authenticate(candidate: string): Promise<ApiKeyPrincipal | null> {
    // The checksum turns away typos and made-up keys before any lookup.
    const parsed = parseApiKey(candidate);
    if (!parsed) {
      this.logger.log({ reason: 'malformed' }, 'API key refused');
      return null;
    }
    const row = await this.lookUp(parsed.keyId);
    const now = new Date();
    const status = row ? statusOf(row, now) : null;
    const reason = !row
      ? 'unknown'
      : !verifyApiKeySecret(parsed.secret, row.secretHash, this.config.apiKeys.pepper)
        ? 'wrong secret'
        : !isAccepted(status!)
          ? status
          : null;
    if (reason || !row) {
      this.logger.log({ key: maskApiKey(parsed.keyId), reason }, 'API key refused');
      return null;
    }
    this.usage.record(row.id, now);
    return { id: row.id, keyId: row.keyId, name: row.name, rateLimitPerMinute: row.rateLimitPerMinute };
  }

  private async lookUp(keyId: string): Promise<CachedKey | null> {
    const cached = this.cache?.get(keyId);
    if (cached) return cached;
    const epoch = this.epoch;
    // From the primary even when read replicas are configured: replica lag must not delay a revocation.
    const runner = this.dataSource.createQueryRunner('master');
    let row: CachedKey | null;
    try {
      row = await runner.manager.findOne(ApiKeyEntity, {
        where: { keyId },
        select: CACHED_COLUMNS,
      });
    } finally {
      await runner.release();
    }
    if (row && epoch === this.epoch) this.cache?.set(keyId, row);
    return row;
  }
}
