import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../../audit/write-context.js';
import type { ApiKeyEntity } from '../../api-key.entity.js';
import type { NewApiKey } from '../../api-keys.service.js';

export interface CreatedApiKey {
  key: ApiKeyEntity;
  /** Shown to the caller once; never stored, logged or audited. */
  plaintext: string;
}

/** From the API and from `npm run apikey -- create`: one handler, so both follow the same rules. */
export class CreateApiKeyCommand extends Command<CreatedApiKey> {
  constructor(
    readonly input: NewApiKey,
    readonly context: WriteContext,
  ) {
    super();
  }
}
