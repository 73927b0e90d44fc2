import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../../audit/write-context.js';
import type { ApiKeyEntity } from '../../api-key.entity.js';

export interface RotatedApiKey {
  key: ApiKeyEntity;
  /** Shown to the caller once; never stored, logged or audited. */
  plaintext: string;
  /** The key that was rotated, now accepted until its `graceUntil`. */
  replaced: ApiKeyEntity;
}

export interface RotateApiKeyInput {
  /** How long the old key keeps working; unset: API_KEY_ROTATION_GRACE_SECONDS. */
  gracePeriodSeconds?: number;
  /** Expiry of the new key; unset: the old key's. */
  expiresAt?: Date | null;
}

export class RotateApiKeyCommand extends Command<RotatedApiKey> {
  constructor(
    readonly id: string,
    readonly input: RotateApiKeyInput,
    readonly context: WriteContext,
  ) {
    super();
  }
}
