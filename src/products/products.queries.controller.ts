import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { QueryCache } from '../caching/query-cache.js';
import { ApiProblems } from '../http/api-problems.js';
import { decodeCursor } from '../http/cursor.js';
import type { Representation } from '../http/representation.js';
import { NoQueryParameters } from '../http/no-query.guard.js';
import { UuidParam } from '../http/uuid-param.js';
import { ProductPageResponse, ProductResponse } from './product.response.js';
import { PRODUCT_PAGE_VIEW, PRODUCT_VIEW, STOCK_MOVEMENT_PAGE_VIEW, productPageScope, stockMovementPageScope } from './product.views.js';
import { GetProductQuery } from './queries/get-product/get-product.query.js';
import { ListProductsQuery } from './queries/list-products/list-products.query.js';
import { ListProductsRequest } from './queries/list-products/list-products.request.js';
import { ListStockMovementsQuery } from './queries/list-stock-movements/list-stock-movements.query.js';
import { ListStockMovementsRequest } from './queries/list-stock-movements/list-stock-movements.request.js';
import { StockMovementPageResponse } from './stock-movement.response.js';

/** Reads: an API key identifies the calling application; answers come from the query cache when they can. */
@ApiTags('products')
@ApiSecurity('api-key')
@Controller('v1/products')
export class ProductsQueriesController {
  constructor(private readonly queries: QueryCache) {}

  @Get()
  @ApiOperation({ summary: 'List products, newest first' })
  @ApiOkResponse({ type: ProductPageResponse })
  @ApiProblems({ 400: 'limit outside 1..100, or a cursor this API did not issue' })
  list(@Query() params: ListProductsRequest): Promise<Representation<ProductPageResponse>> {
    return this.queries.execute(new ListProductsQuery(params.limit, decodeCursor(params.cursor, productPageScope(params.q)), params.q), PRODUCT_PAGE_VIEW);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one product (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: ProductResponse, headers: { ETag: { description: 'Changes exactly when the version does', schema: { type: 'string' } } } })
  @ApiProblems({ 400: 'Malformed id, or a query parameter (this route takes none)', 404: 'No such product (or deleted)' })
  @NoQueryParameters()
  get(@UuidParam() id: string): Promise<Representation<ProductResponse>> {
    return this.queries.execute(new GetProductQuery(id), PRODUCT_VIEW);
  }

  @Get(':id/stock-movements')
  @ApiOperation({ summary: "A product's stock movements, newest first" })
  @ApiOkResponse({ type: StockMovementPageResponse })
  @ApiProblems({ 400: 'Malformed id, limit outside 1..100, or a foreign cursor', 404: 'No such product (or deleted)' })
  movements(@UuidParam() id: string, @Query() params: ListStockMovementsRequest): Promise<Representation<StockMovementPageResponse>> {
    return this.queries.execute(new ListStockMovementsQuery(id, params.limit, decodeCursor(params.cursor, stockMovementPageScope(id))), STOCK_MOVEMENT_PAGE_VIEW);
  }
}
