import { Body, Controller, Delete, HttpCode, Patch, Post, Res, applyDecorators } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Writer, type WriteContext } from '../audit/write-context.js';
import { RequireScopes } from '../auth/access.decorators.js';
import { ApiProblems } from '../http/api-problems.js';
import { NoQueryParameters } from '../http/no-query.guard.js';
import { UuidParam } from '../http/uuid-param.js';
import { AdjustStockCommand } from './commands/adjust-stock/adjust-stock.command.js';
import { AdjustStockRequest } from './commands/adjust-stock/adjust-stock.request.js';
import { CreateProductCommand } from './commands/create-product/create-product.command.js';
import { CreateProductRequest } from './commands/create-product/create-product.request.js';
import { DeleteProductCommand } from './commands/delete-product/delete-product.command.js';
import { UpdateProductCommand } from './commands/update-product/update-product.command.js';
import { UpdateProductRequest } from './commands/update-product/update-product.request.js';
import type { Preconditions } from './domain/product-decider.js';
import { ProductPreconditions } from './product-preconditions.js';
import { ProductResponse, productEtag } from './product.response.js';
import { StockAdjustmentResponse, StockMovementResponse } from './stock-movement.response.js';
import { Scope } from '../auth/scopes.js';

const IF_MATCH = applyDecorators(
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ETag you last read: if the product has changed since, 412 and nothing changes. `*`: any current version. Compared strongly.',
  }),
  ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'ETags you do not want to change (compared weakly), or `*`: if the product is at one of them (any, for `*`), 412 and nothing changes.',
  }),
);
const ETAG = { ETag: { description: 'Strong validator of the new version', schema: { type: 'string' } } };
const PRECONDITION_FAILED = 'If-Match does not match the current version, or If-None-Match does';
const OWNER_OR_ADMIN = 'Needs products:write, and to be the owner of the product or to have products:admin as well.';

/**
 * Writes: a user token names who acts. Each route turns the request into a command; the handler decides (rules,
 * ownership, If-Match) and saves, audits and records its events in one transaction.
 */
@ApiTags('products')
@NoQueryParameters()
@Controller('v1/products')
export class ProductsCommandsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @RequireScopes(Scope.ProductsWrite)
  @ApiOperation({ summary: 'Create a product owned by the calling user' })
  @ApiCreatedResponse({ type: ProductResponse, headers: { ...ETAG, Location: { description: 'The new product', schema: { type: 'string' } } } })
  @ApiProblems({ 400: 'Invalid body (fields listed)', 409: 'The sku is taken' })
  async create(
    @Body() body: CreateProductRequest,
    @Writer() writer: WriteContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductResponse> {
    const product = await this.commands.execute(new CreateProductCommand(body, writer));
    reply.header('location', `/v1/products/${product.id}`).header('etag', productEtag(product));
    return ProductResponse.from(product);
  }

  @Patch(':id')
  @RequireScopes(Scope.ProductsWrite)
  @ApiOperation({ summary: 'Change a product (owner or products:admin)', description: `${OWNER_OR_ADMIN} Send at least one field.` })
  @IF_MATCH
  @ApiOkResponse({ type: ProductResponse, headers: ETAG })
  @ApiProblems({
    400: 'Invalid or empty body, a field that cannot be set (id, ownerId, version, stockOnHand, createdAt, updatedAt), or a malformed If-Match',
    403: 'Not the owner and no products:admin',
    404: 'No such product',
    409: 'The new sku is taken',
    412: PRECONDITION_FAILED,
  })
  async update(
    @UuidParam() id: string,
    @Body() body: UpdateProductRequest,
    @ProductPreconditions() preconditions: Preconditions,
    @Writer() writer: WriteContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductResponse> {
    const product = await this.commands.execute(new UpdateProductCommand(id, body, preconditions, writer));
    reply.header('etag', productEtag(product));
    return ProductResponse.from(product);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScopes(Scope.ProductsWrite)
  @ApiOperation({
    summary: 'Delete a product (owner or products:admin)',
    description: `${OWNER_OR_ADMIN} Afterwards every read of it answers 404 and its sku may be used again; its audit trail stays.`,
  })
  @IF_MATCH
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems({
    400: 'Malformed If-Match',
    403: 'Not the owner and no products:admin',
    404: 'No such product',
    412: PRECONDITION_FAILED,
  })
  async delete(@UuidParam() id: string, @ProductPreconditions() preconditions: Preconditions, @Writer() writer: WriteContext): Promise<void> {
    await this.commands.execute(new DeleteProductCommand(id, preconditions, writer));
  }

  @Post(':id/stock-adjustments')
  @HttpCode(201)
  @RequireScopes(Scope.InventoryWrite)
  @ApiOperation({
    summary: 'Add or take stock',
    description:
      'inventory:write is enough: stock is not reserved to the owner of the product. Concurrent adjustments are all applied; ' +
      'with If-Match, only if the product is still at the version counted.',
  })
  @IF_MATCH
  @ApiCreatedResponse({ type: StockAdjustmentResponse })
  @ApiProblems({
    400: 'delta is 0 or not an integer, or no reason, or a malformed If-Match',
    404: 'No such product',
    409: 'The stock would go below zero',
    412: PRECONDITION_FAILED,
  })
  async adjustStock(
    @UuidParam() id: string,
    @Body() body: AdjustStockRequest,
    @ProductPreconditions() preconditions: Preconditions,
    @Writer() writer: WriteContext,
  ): Promise<StockAdjustmentResponse> {
    const command = new AdjustStockCommand(id, body.delta, body.reason, preconditions, writer);
    const { movement, product } = await this.commands.execute(command);
    return { movement: StockMovementResponse.from(movement), stockOnHand: product.stockOnHand };
  }
}
