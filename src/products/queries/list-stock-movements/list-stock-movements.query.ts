import { Query } from '@nestjs/cqrs';
import type { Page } from '../../../database/keyset-page.js';
import type { Cursor } from '../../../http/cursor.js';
import type { StockMovement } from '../../domain/product.js';

/** null when there is no such product (or it was deleted). */
export class ListStockMovementsQuery extends Query<Page<StockMovement> | null> {
  constructor(
    readonly productId: string,
    readonly limit: number,
    readonly after?: Cursor,
  ) {
    super();
  }
}
