import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { keysetPage, type Page } from '../../../../database/keyset-page.js';
import { ApiKeyEntity } from '../../api-key.entity.js';
import { ListApiKeysQuery } from './list-api-keys.query.js';

@QueryHandler(ListApiKeysQuery)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeysQuery> {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  execute({ limit, after }: ListApiKeysQuery): Promise<Page<ApiKeyEntity>> {
    return keysetPage(this.keys.createQueryBuilder('k'), { at: 'k.createdAt', id: 'k.id' }, (k) => k.createdAt, (k) => k.id, after, limit);
  }
}
