import { Query } from '@nestjs/cqrs';
import { Cacheable } from '../../../caching/cacheable.decorator.js';
import type { Page } from '../../../database/keyset-page.js';
import type { Cursor } from '../../../http/cursor.js';
import type { Product } from '../../domain/product.js';

/** Any product change can move or alter a page, so pages depend on the whole collection. */
@Cacheable<ListProductsQuery>({ dependsOn: () => [['product', null]] })
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
