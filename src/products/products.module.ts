import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { CreateProductHandler } from './commands/create-product/create-product.handler.js';
import { ProductCreatedCacheHandler } from './events/product-created-cache.handler.js';
import { ProductEntity } from './product.entity.js';
import { ProductsCommandsController } from './products.commands.controller.js';
import { ProductsQueriesController } from './products.queries.controller.js';
import { GetProductHandler } from './queries/get-product/get-product.handler.js';
import { ListProductsHandler } from './queries/list-products/list-products.handler.js';

@Module({
  imports: [CqrsModule, TypeOrmModule.forFeature([ProductEntity]), AuditModule],
  controllers: [ProductsCommandsController, ProductsQueriesController],
  providers: [CreateProductHandler, GetProductHandler, ListProductsHandler, ProductCreatedCacheHandler],
})
export class ProductsModule {}
