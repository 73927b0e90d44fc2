import { Query } from '@nestjs/cqrs';
import type { Page } from '../../../../database/keyset-page.js';
import type { Cursor } from '../../../../http/cursor.js';
import type { ApiKeyEntity } from '../../api-key.entity.js';

/** Every key, revoked and rotated ones included (they explain the audit trail), newest first. */
export class ListApiKeysQuery extends Query<Page<ApiKeyEntity>> {
  constructor(
    readonly limit: number,
    readonly after?: Cursor,
  ) {
    super();
  }
}
