import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { keysetPage, type Page } from '../../../database/keyset-page.js';
import type { StockMovement } from '../../domain/product.js';
import { ProductViewEntity } from '../../read-models/product-view.entity.js';
import { StockMovementViewEntity } from '../../read-models/stock-movement-view.entity.js';
import { ListStockMovementsQuery } from './list-stock-movements.query.js';

/** Newest first. A product's movements have strictly increasing times (see nextTimestamp), so this is version order. */
@QueryHandler(ListStockMovementsQuery)
export class ListStockMovementsHandler implements IQueryHandler<ListStockMovementsQuery> {
  constructor(
    @InjectRepository(ProductViewEntity) private readonly products: Repository<ProductViewEntity>,
    @InjectRepository(StockMovementViewEntity) private readonly movements: Repository<StockMovementViewEntity>,
  ) {}

  async execute({ productId, limit, after }: ListStockMovementsQuery): Promise<Page<StockMovement> | null> {
    if (!(await this.products.existsBy({ id: productId, deletedAt: IsNull() }))) return null;
    const qb = this.movements.createQueryBuilder('m').where('m.productId = :productId', { productId });
    return keysetPage(qb, { at: 'm.occurredAt', id: 'm.id' }, (m) => m.occurredAt, (m) => m.id, after, limit);
  }
}
