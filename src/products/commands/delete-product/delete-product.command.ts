import { Command } from '@nestjs/cqrs';
import type { WriteContext } from '../../../audit/write-context.js';
import type { ExpectedVersion } from '../../domain/product-decider.js';

export class DeleteProductCommand extends Command<void> {
  constructor(
    readonly id: string,
    /** From If-Match. */
    readonly expected: ExpectedVersion,
    readonly context: WriteContext,
  ) {
    super();
  }
}
