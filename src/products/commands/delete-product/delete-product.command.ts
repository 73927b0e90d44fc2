import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../audit/write-context.js';
import type { Preconditions } from '../../domain/product-decider.js';

export class DeleteProductCommand extends Command<void> {
  constructor(
    readonly id: string,
    /** From If-Match and If-None-Match. */
    readonly preconditions: Preconditions,
    readonly context: WriteContext,
  ) {
    super();
  }
}
