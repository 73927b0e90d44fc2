import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../http/api-problems.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { ProblemException } from '../http/problem.js';
import { UuidParam } from '../http/uuid-param.js';
import { ProductPageResponse, ProductResponse, productEtag } from './product.response.js';
import { GetProductQuery } from './queries/get-product/get-product.query.js';
import { ListProductsQuery } from './queries/list-products/list-products.query.js';
import { ListProductsRequest } from './queries/list-products/list-products.request.js';
import { ListStockMovementsQuery } from './queries/list-stock-movements/list-stock-movements.query.js';
import { ListStockMovementsRequest } from './queries/list-stock-movements/list-stock-movements.request.js';
import { StockMovementPageResponse, StockMovementResponse } from './stock-movement.response.js';

/** Reads: an API key identifies the calling application; answers come from the read models and are cacheable. */
@ApiTags('products')
@ApiSecurity('api-key')
@Controller('v1/products')
export class ProductsQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'List products, newest first' })
  @ApiOkResponse({ type: ProductPageResponse })
  @ApiProblems({ 400: 'limit outside 1..100, or a cursor this API did not issue' })
  async list(@Query() params: ListProductsRequest): Promise<ProductPageResponse> {
    const page = await this.queries.execute(new ListProductsQuery(params.limit, decodeCursor(params.cursor), params.q));
    return { data: page.rows.map(ProductResponse.from), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one product (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: ProductResponse, headers: { ETag: { description: 'Changes exactly when the version does', schema: { type: 'string' } } } })
  @ApiProblems({ 400: 'Malformed id', 404: 'No such product (or deleted)' })
  async get(@UuidParam() id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProductResponse> {
    const product = await this.queries.execute(new GetProductQuery(id));
    if (!product) throw ProblemException.notFound(`No product ${id}.`);
    reply.header('etag', productEtag(product));
    return ProductResponse.from(product);
  }

  @Get(':id/stock-movements')
  @ApiOperation({ summary: "A product's stock movements, newest first" })
  @ApiOkResponse({ type: StockMovementPageResponse })
  @ApiProblems({ 400: 'Malformed id, limit outside 1..100, or a foreign cursor', 404: 'No such product (or deleted)' })
  async movements(@UuidParam() id: string, @Query() params: ListStockMovementsRequest): Promise<StockMovementPageResponse> {
    const page = await this.queries.execute(new ListStockMovementsQuery(id, params.limit, decodeCursor(params.cursor)));
    if (!page) throw ProblemException.notFound(`No product ${id}.`);
    return { data: page.rows.map(StockMovementResponse.from), nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
