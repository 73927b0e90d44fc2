import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Writer, type WriteContext } from '../audit/write-context.js';
import { RequireScopes } from '../auth/access.decorators.js';
import { CreateProductCommand } from './commands/create-product/create-product.command.js';
import { CreateProductRequest } from './commands/create-product/create-product.request.js';
import { ProductResponse, productEtag } from './product.response.js';

/** Writes: a user token names who acts; every success is audited in the same transaction. */
@ApiTags('products')
@Controller('v1/products')
export class ProductsCommandsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @RequireScopes('products:write')
  @ApiOperation({ summary: 'Create a product owned by the calling user' })
  @ApiCreatedResponse({ type: ProductResponse })
  async create(
    @Body() body: CreateProductRequest,
    @Writer() writer: WriteContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductResponse> {
    const product = await this.commands.execute(new CreateProductCommand(body, writer));
    reply.header('location', `/v1/products/${product.id}`).header('etag', productEtag(product));
    return ProductResponse.from(product);
  }
}
