import type { View } from '../caching/query-cache.js';
import { encodeCursor } from '../http/cursor.js';
import { ProblemException } from '../http/problem.js';
import { Representation } from '../http/representation.js';
import { ProductPageResponse, ProductResponse, productEtag } from './product.response.js';
import type { GetProductQuery } from './queries/get-product/get-product.query.js';
import type { ListProductsQuery } from './queries/list-products/list-products.query.js';

/** One product as the API sends it, tagged with its version. A missing product is a 404, never cached. */
export const PRODUCT_VIEW: View<GetProductQuery, ProductResponse> = {
  name: 'product@1',
  render(product, { id }) {
    if (!product) throw ProblemException.notFound(`No product ${id}.`);
    return Representation.of(ProductResponse.from(product), productEtag(product));
  },
};

export const PRODUCT_PAGE_VIEW: View<ListProductsQuery, ProductPageResponse> = {
  name: 'product-page@1',
  render(page) {
    return Representation.of({ data: page.rows.map(ProductResponse.from), nextCursor: page.next ? encodeCursor(page.next) : null });
  },
};
