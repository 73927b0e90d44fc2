import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { diff } from '../../../audit/audit-log.js';
import { decideAdjustStock } from '../../domain/product-decider.js';
import type { StockAdjusted } from '../../domain/product-events.js';
import { ProductCommandRunner } from '../product-command.runner.js';
import { AdjustStockCommand, type StockAdjustment } from './adjust-stock.command.js';

/**
 * inventory:write is the whole permission (no ownership: stock is counted by the warehouse, not by the product's
 * author). The product's row lock serialises concurrent adjustments; stock never goes below zero.
 */
@CommandHandler(AdjustStockCommand)
export class AdjustStockHandler implements ICommandHandler<AdjustStockCommand> {
  constructor(private readonly runner: ProductCommandRunner) {}

  async execute({ productId, delta, reason, preconditions, context }: AdjustStockCommand): Promise<StockAdjustment> {
    const movementId = randomUUID();
    const { events } = await this.runner.run(
      context,
      productId,
      'products.adjust-stock',
      (current) => decideAdjustStock(current, { id: productId, delta, reason, movementId, preconditions, now: new Date() }),
      ({ before, after, events: [event] }) => {
        const { id, delta: d, reason: r } = (event as StockAdjusted).movement;
        return { ...diff(before, after, ['stockOnHand']), movement: { before: null, after: { id, delta: d, reason: r } } };
      },
    );
    const { movement, product } = events[0] as StockAdjusted;
    return { movement, product };
  }
}
