import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Product } from '../../domain/product.js';
import { ProductEntity } from '../../product.entity.js';
import { GetProductQuery } from './get-product.query.js';

@QueryHandler(GetProductQuery)
export class GetProductHandler implements IQueryHandler<GetProductQuery> {
  constructor(@InjectRepository(ProductEntity) private readonly products: Repository<ProductEntity>) {}

  execute({ id }: GetProductQuery): Promise<Product | null> {
    return this.products.findOneBy({ id });
  }
}
