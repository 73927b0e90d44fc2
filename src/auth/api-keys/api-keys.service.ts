import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';
import type { ApiKeyPrincipal } from '../principals.js';
import { generateApiKey, hashApiKeySecret, maskApiKey, parseApiKey, verifyApiKeySecret } from './api-key-format.js';
import { ApiKeyEntity } from './api-key.entity.js';

export interface NewApiKey {
  name: string;
  createdBy: string;
  expiresAt?: Date | null;
  rateLimitPerMinute?: number | null;
}

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The plaintext is returned once, here, and is never stored or logged. */
  async create(input: NewApiKey): Promise<{ key: ApiKeyEntity; plaintext: string }> {
    const { keyId, secret, plaintext } = generateApiKey();
    const key = this.keys.create({
      id: randomUUID(),
      keyId,
      name: input.name,
      secretHash: hashApiKeySecret(secret, this.config.apiKeys.pepper),
      createdBy: input.createdBy,
      createdAt: new Date(),
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      lastUsedAt: null,
      requestCount: '0',
    });
    await this.keys.insert(key);
    return { key, plaintext };
  }

  /** Null for any fault; the fault itself goes to the log only, under the key's public id. */
  async authenticate(candidate: string): Promise<ApiKeyPrincipal | null> {
    const parsed = parseApiKey(candidate);
    if (!parsed) {
      this.logger.log({ reason: 'malformed' }, 'API key refused');
      return null;
    }
    const row = await this.keys.findOneBy({ keyId: parsed.keyId });
    const reason = !row
      ? 'unknown'
      : !verifyApiKeySecret(parsed.secret, row.secretHash, this.config.apiKeys.pepper)
        ? 'wrong secret'
        : row.revokedAt && row.revokedAt.getTime() <= Date.now()
          ? 'revoked'
          : row.expiresAt && row.expiresAt.getTime() <= Date.now()
            ? 'expired'
            : null;
    if (reason || !row) {
      this.logger.log({ key: maskApiKey(parsed.keyId), reason }, 'API key refused');
      return null;
    }
    return { id: row.id, keyId: row.keyId, name: row.name, rateLimitPerMinute: row.rateLimitPerMinute };
  }
}
