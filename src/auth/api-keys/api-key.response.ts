import { ApiProperty } from '@nestjs/swagger';
import { maskApiKey } from './api-key-format.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { API_KEY_STATUSES, statusOf, type ApiKeyStatus } from './domain/api-key-rules.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A key as lists show it: public id and masked form, never the secret or its hash. */
export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The public part of the key, between the prefix and the secret', example: 'H7yERMn2kj6puq3M' })
  keyId: string;
  @ApiProperty({ example: 'cqrsk_H7yERMn2kj6puq3M_…' }) maskedKey: string;
  @ApiProperty() name: string;
  @ApiProperty({
    enum: API_KEY_STATUSES,
    description: 'rotating: replaced, still accepted until graceUntil; superseded: replaced and no longer accepted',
  })
  status: ApiKeyStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: 'The `sub` of the user (or `cli:<os user>`) who created it' }) createdBy: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: "Reads per minute; null: the server's default" })
  rateLimitPerMinute: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Recorded every few seconds, not per request' })
  lastUsedAt: string | null;
  @ApiProperty({ type: 'integer', description: 'Requests authenticated with this key, recorded every few seconds' }) requestCount: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The key that replaced this one on rotation' })
  replacedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'A rotated key is accepted until then' })
  graceUntil: string | null;

  static from(k: ApiKeyEntity, now = new Date()): ApiKeyResponse {
    return {
      id: k.id,
      keyId: k.keyId,
      maskedKey: maskApiKey(k.keyId),
      name: k.name,
      status: statusOf(k, now),
      createdAt: k.createdAt.toISOString(),
      createdBy: k.createdBy,
      expiresAt: iso(k.expiresAt),
      revokedAt: iso(k.revokedAt),
      rateLimitPerMinute: k.rateLimitPerMinute,
      lastUsedAt: iso(k.lastUsedAt),
      requestCount: Number(k.requestCount),
      replacedBy: k.replacedBy,
      graceUntil: iso(k.graceUntil),
    };
  }
}

export class ApiKeyPageResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) data: ApiKeyResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page' }) nextCursor: string | null;
}

/** The answer to a create or a rotate: the only time the plaintext key is ever shown. */
export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The key itself: shown this once, store it now', example: 'cqrsk_H7yERMn2kj6puq3M_XncRjtLNZA568G8qIquii3FGIIcEHQ8J10HhWe' })
  key: string;

  static withKey(k: ApiKeyEntity, plaintext: string): CreatedApiKeyResponse {
    return { ...ApiKeyResponse.from(k), key: plaintext };
  }
}

class ReplacedKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time', description: 'The old key is accepted until then' }) graceUntil: string;
}

export class RotatedApiKeyResponse extends CreatedApiKeyResponse {
  @ApiProperty({ type: ReplacedKeyResponse }) replaces: ReplacedKeyResponse;
}
