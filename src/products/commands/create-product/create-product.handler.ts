import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLog, diff } from '../../../audit/audit-log.js';
import { isUniqueViolation } from '../../../database/pg-errors.js';
import { ProblemException } from '../../../http/problem.js';
import { AUDITED_PRODUCT_FIELDS, createProduct, type Product } from '../../domain/product.js';
import { ProductCreatedEvent } from '../../events/product-created.event.js';
import { ProductEntity } from '../../product.entity.js';
import { CreateProductCommand } from './create-product.command.js';

@CommandHandler(CreateProductCommand)
export class CreateProductHandler implements ICommandHandler<CreateProductCommand> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
  ) {}

  async execute({ input, context }: CreateProductCommand): Promise<Product> {
    const product = createProduct(input, context.user.sub, randomUUID(), new Date());
    try {
      await this.dataSource.transaction(async (tx) => {
        await tx.insert(ProductEntity, product);
        await this.audit.append(tx, context, {
          action: 'products.create',
          resourceType: 'product',
          resourceId: product.id,
          changes: diff(null, product, AUDITED_PRODUCT_FIELDS),
        }, product.createdAt);
      });
    } catch (e) {
      if (isUniqueViolation(e, 'products_sku_key')) throw ProblemException.conflict(`The sku ${input.sku} is taken.`);
      throw e;
    }
    this.events.publish(new ProductCreatedEvent(product));
    return product;
  }
}
