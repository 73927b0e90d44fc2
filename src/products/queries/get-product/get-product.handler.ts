import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { readQuery } from '../../../database/read-query.js';
import type { Product } from '../../domain/product.js';
import { GetProductQuery } from './get-product.query.js';

/** product_views (ProductViewEntity) in the Product's own shape; tombstones are not products. */
const PRODUCT_BY_ID = `SELECT id, sku, name, description, price_cents AS "priceCents", currency, stock_on_hand AS "stockOnHand",
  version, owner_id AS "ownerId", created_at AS "createdAt", updated_at AS "updatedAt"
  FROM product_views WHERE id = $1 AND deleted_at IS NULL`;

@QueryHandler(GetProductQuery)
export class GetProductHandler implements IQueryHandler<GetProductQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ id }: GetProductQuery): Promise<Product | null> {
    const [product] = await readQuery<Product>(this.dataSource, PRODUCT_BY_ID, [id]);
    return product ?? null;
  }
}
