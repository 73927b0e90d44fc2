import { Module, type OnModuleInit } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventBusPublisher } from '../outbox/event-bus.publisher.js';
import { OutboxModule } from '../outbox/outbox.module.js';
import { AdjustStockHandler } from './commands/adjust-stock/adjust-stock.handler.js';
import { CreateProductHandler } from './commands/create-product/create-product.handler.js';
import { DeleteProductHandler } from './commands/delete-product/delete-product.handler.js';
import { ProductCommandRunner } from './commands/product-command.runner.js';
import { UpdateProductHandler } from './commands/update-product/update-product.handler.js';
import { mapProductEvents } from './events/product-outbox.js';
import { ProductRepository } from './product.repository.js';
import { ProductsCommandsController } from './products.commands.controller.js';
import { ProductsQueriesController } from './products.queries.controller.js';
import { GetProductHandler } from './queries/get-product/get-product.handler.js';
import { ListProductsHandler } from './queries/list-products/list-products.handler.js';
import { ListStockMovementsHandler } from './queries/list-stock-movements/list-stock-movements.handler.js';
import { ProductViewEntity } from './read-models/product-view.entity.js';
import { ProductViewsProjector } from './read-models/product-views.projector.js';
import { StockMovementViewEntity } from './read-models/stock-movement-view.entity.js';
import { StockMovementViewsProjector } from './read-models/stock-movement-views.projector.js';

@Module({
  imports: [CqrsModule, OutboxModule, TypeOrmModule.forFeature([ProductViewEntity, StockMovementViewEntity])],
  controllers: [ProductsCommandsController, ProductsQueriesController],
  providers: [
    ProductRepository,
    ProductCommandRunner,
    CreateProductHandler,
    UpdateProductHandler,
    DeleteProductHandler,
    AdjustStockHandler,
    GetProductHandler,
    ListProductsHandler,
    ListStockMovementsHandler,
    ProductViewsProjector,
    StockMovementViewsProjector,
  ],
})
export class ProductsModule implements OnModuleInit {
  constructor(private readonly publisher: EventBusPublisher) {}

  onModuleInit(): void {
    mapProductEvents(this.publisher);
  }
}
