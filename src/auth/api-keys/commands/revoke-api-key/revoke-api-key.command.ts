import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../../audit/write-context.js';
import type { ApiKeyEntity } from '../../api-key.entity.js';

/** Revokes at once, also a key in its grace period. Revoking a revoked key changes nothing and succeeds. */
export class RevokeApiKeyCommand extends Command<ApiKeyEntity> {
  constructor(
    readonly id: string,
    readonly context: WriteContext,
  ) {
    super();
  }
}
