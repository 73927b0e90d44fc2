import { Controller, Get, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { ProblemException } from '../http/problem.js';
import { UuidParam } from '../http/uuid-param.js';
import { ProductPageResponse, ProductResponse, productEtag } from './product.response.js';
import { GetProductQuery } from './queries/get-product/get-product.query.js';
import { ListProductsQuery } from './queries/list-products/list-products.query.js';
import { ListProductsRequest } from './queries/list-products/list-products.request.js';

/** Reads: an API key identifies the calling application; answers are cacheable. */
@ApiTags('products')
@ApiSecurity('api-key')
@Controller('v1/products')
export class ProductsQueriesController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ summary: 'List products, newest first' })
  @ApiOkResponse({ type: ProductPageResponse })
  async list(@Query() params: ListProductsRequest): Promise<ProductPageResponse> {
    const page = await this.queries.execute(new ListProductsQuery(params.limit, decodeCursor(params.cursor), params.q));
    return { data: page.rows.map(ProductResponse.from), nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one product (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: ProductResponse })
  async get(@UuidParam() id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProductResponse> {
    const product = await this.queries.execute(new GetProductQuery(id));
    if (!product) throw ProblemException.notFound(`No product ${id}.`);
    reply.header('etag', productEtag(product));
    return ProductResponse.from(product);
  }
}
