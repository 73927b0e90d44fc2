import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideDelete } from '../../domain/product-decider.js';
import { ProductCommandRunner } from '../product-command.runner.js';
import { DeleteProductCommand } from './delete-product.command.js';

/**
 * A soft delete: the row stays (its movements and audit trail refer to it), the sku is free again, and every read
 * answers 404. Owner or products:admin; If-Match.
 */
@CommandHandler(DeleteProductCommand)
export class DeleteProductHandler implements ICommandHandler<DeleteProductCommand> {
  constructor(private readonly runner: ProductCommandRunner) {}

  async execute({ id, preconditions, context }: DeleteProductCommand): Promise<void> {
    await this.runner.run(context, id, 'products.delete', (current) =>
      decideDelete(current, { id, preconditions, actor: context.user, now: new Date() }),
    );
  }
}
