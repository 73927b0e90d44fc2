import { Query } from '@nestjs/cqrs';
import type { ApiKeyEntity } from '../../api-key.entity.js';

export class GetApiKeyQuery extends Query<ApiKeyEntity | null> {
  constructor(readonly id: string) {
    super();
  }
}
