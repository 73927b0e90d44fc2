import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApiKeyEntity } from '../../api-key.entity.js';
import { GetApiKeyQuery } from './get-api-key.query.js';

@QueryHandler(GetApiKeyQuery)
export class GetApiKeyHandler implements IQueryHandler<GetApiKeyQuery> {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  execute({ id }: GetApiKeyQuery): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id });
  }
}
