import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Product } from '../../domain/product.js';
import { decideUpdate } from '../../domain/product-decider.js';
import { ProductCommandRunner } from '../product-command.runner.js';
import { UpdateProductCommand } from './update-product.command.js';

/** Owner or products:admin (checked by the rules against the stored owner); If-Match; a new sku must be free. */
@CommandHandler(UpdateProductCommand)
export class UpdateProductHandler implements ICommandHandler<UpdateProductCommand> {
  constructor(private readonly runner: ProductCommandRunner) {}

  async execute({ id, patch, preconditions, context }: UpdateProductCommand): Promise<Product> {
    const { after } = await this.runner.run(context, id, 'products.update', (current) =>
      decideUpdate(current, { id, patch, preconditions, actor: context.user, now: new Date() }),
    );
    return after!;
  }
}
