import { Query } from '@nestjs/cqrs';
import { Cacheable } from '../../../caching/cacheable.decorator.js';
import type { Page } from '../../../database/keyset-page.js';
import type { Cursor } from '../../../http/cursor.js';
import type { StockMovement } from '../../domain/product.js';

/** null when there is no such product (or it was deleted). Movements change only with their product. */
@Cacheable<ListStockMovementsQuery>({ dependsOn: (q) => [['product', q.productId]] })
export class ListStockMovementsQuery extends Query<Page<StockMovement> | null> {
  constructor(
    readonly productId: string,
    readonly limit: number,
    readonly after?: Cursor,
  ) {
    super();
  }
}
