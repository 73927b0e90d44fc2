import type { View } from '../caching/query-cache.js';
import { cursorScope, pageBody } from '../http/cursor.js';
import { ProblemException } from '../http/problem.js';
import { Representation } from '../http/representation.js';
import { ProductPageResponse, ProductResponse, productEtag } from './product.response.js';
import type { GetProductQuery } from './queries/get-product/get-product.query.js';
import type { ListProductsQuery } from './queries/list-products/list-products.query.js';
import type { ListStockMovementsQuery } from './queries/list-stock-movements/list-stock-movements.query.js';
import { StockMovementPageResponse, StockMovementResponse } from './stock-movement.response.js';

/** One product as the API sends it, tagged with its version. A missing product is a 404, never cached. */
export const PRODUCT_VIEW: View<GetProductQuery, ProductResponse> = {
  name: 'product@1',
  render(product, { id }) {
    if (!product) throw ProblemException.notFound(`No product ${id}.`);
    return Representation.of(ProductResponse.from(product), productEtag(product));
  },
};

/** What a products-list cursor is bound to: the search, not the page size. */
export const productPageScope = (q: string | undefined) => cursorScope('products', { q });
export const stockMovementPageScope = (productId: string) => cursorScope(`products/${productId}/stock-movements`);

export const PRODUCT_PAGE_VIEW: View<ListProductsQuery, ProductPageResponse> = {
  name: 'product-page@2',
  render(page, { q }) {
    return Representation.of(pageBody(page, ProductResponse.from, productPageScope(q)));
  },
};

/** A page of a product's movements; a missing (or deleted) product is a 404, never cached. */
export const STOCK_MOVEMENT_PAGE_VIEW: View<ListStockMovementsQuery, StockMovementPageResponse> = {
  name: 'stock-movement-page@2',
  render(page, { productId }) {
    if (!page) throw ProblemException.notFound(`No product ${productId}.`);
    return Representation.of(pageBody(page, StockMovementResponse.from, stockMovementPageScope(productId)));
  },
};
