import { Query } from '@nestjs/cqrs';
import type { Page } from '../../../database/keyset-page.js';
import type { Cursor } from '../../../http/cursor.js';
import type { Product } from '../../domain/product.js';

export class ListProductsQuery extends Query<Page<Product>> {
  constructor(
    readonly limit: number,
    readonly after?: Cursor,
    /** Matches sku or name, case-insensitively, anywhere. */
    readonly q?: string,
  ) {
    super();
  }
}
