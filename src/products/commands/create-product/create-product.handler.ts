import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Product } from '../../domain/product.js';
import { decideCreate } from '../../domain/product-decider.js';
import { ProductCommandRunner } from '../product-command.runner.js';
import { CreateProductCommand } from './create-product.command.js';

/** ProductCreated goes to the outbox with the product; the relay publishes ProductCreatedEvent after commit. */
@CommandHandler(CreateProductCommand)
export class CreateProductHandler implements ICommandHandler<CreateProductCommand> {
  constructor(private readonly runner: ProductCommandRunner) {}

  async execute({ input, context }: CreateProductCommand): Promise<Product> {
    const id = randomUUID();
    const { after } = await this.runner.create(context, id, 'products.create', () =>
      decideCreate(null, { id, input, actor: context.user, now: new Date() }),
    );
    return after!;
  }
}
