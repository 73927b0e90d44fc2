import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { QueryCache } from '../caching/query-cache.js';
import { decodeCursor } from '../http/cursor.js';
import { ApiConditionalRead } from '../http/http-caching.interceptor.js';
import type { Representation } from '../http/representation.js';
import { UuidParam } from '../http/uuid-param.js';
import { ProductPageResponse, ProductResponse } from './product.response.js';
import { PRODUCT_PAGE_VIEW, PRODUCT_VIEW } from './product.views.js';
import { GetProductQuery } from './queries/get-product/get-product.query.js';
import { ListProductsQuery } from './queries/list-products/list-products.query.js';
import { ListProductsRequest } from './queries/list-products/list-products.request.js';

/** Reads: an API key identifies the calling application; answers come from the query cache when they can. */
@ApiTags('products')
@ApiSecurity('api-key')
@Controller('v1/products')
export class ProductsQueriesController {
  constructor(private readonly queries: QueryCache) {}

  @Get()
  @ApiOperation({ summary: 'List products, newest first' })
  @ApiOkResponse({ type: ProductPageResponse })
  @ApiConditionalRead()
  list(@Query() params: ListProductsRequest): Promise<Representation<ProductPageResponse>> {
    return this.queries.execute(new ListProductsQuery(params.limit, decodeCursor(params.cursor), params.q), PRODUCT_PAGE_VIEW);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one product (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: ProductResponse })
  @ApiConditionalRead()
  get(@UuidParam() id: string): Promise<Representation<ProductResponse>> {
    return this.queries.execute(new GetProductQuery(id), PRODUCT_VIEW);
  }
}
