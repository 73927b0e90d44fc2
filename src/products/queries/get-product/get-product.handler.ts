import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { Product } from '../../domain/product.js';
import { ProductViewEntity } from '../../read-models/product-view.entity.js';
import { GetProductQuery } from './get-product.query.js';

@QueryHandler(GetProductQuery)
export class GetProductHandler implements IQueryHandler<GetProductQuery> {
  constructor(@InjectRepository(ProductViewEntity) private readonly views: Repository<ProductViewEntity>) {}

  execute({ id }: GetProductQuery): Promise<Product | null> {
    return this.views.findOneBy({ id, deletedAt: IsNull() });
  }
}
