import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { keysetPage, type Page } from '../../../database/keyset-page.js';
import type { Product } from '../../domain/product.js';
import { ProductViewEntity } from '../../read-models/product-view.entity.js';
import { ListProductsQuery } from './list-products.query.js';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

@QueryHandler(ListProductsQuery)
export class ListProductsHandler implements IQueryHandler<ListProductsQuery> {
  constructor(@InjectRepository(ProductViewEntity) private readonly views: Repository<ProductViewEntity>) {}

  execute({ limit, after, q }: ListProductsQuery): Promise<Page<Product>> {
    const qb = this.views.createQueryBuilder('p').where('p.deletedAt IS NULL');
    if (q) qb.andWhere('(p.sku ILIKE :q OR p.name ILIKE :q)', { q: `%${escapeLike(q)}%` });
    return keysetPage(qb, { at: 'p.createdAt', id: 'p.id' }, (p) => p.createdAt, (p) => p.id, after, limit);
  }
}
