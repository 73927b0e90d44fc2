import { EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { ReadModelChangedEvent } from '../../caching/read-model-changed.event.js';
import { ProductCreatedEvent } from './product-created.event.js';

/**
 * Interim, until the projectors publish ReadModelChangedEvent themselves: products are still read from the write
 * table, which has changed once ProductCreatedEvent is published (after commit). Delete this handler when they do.
 */
@EventsHandler(ProductCreatedEvent)
export class ProductCreatedCacheHandler implements IEventHandler<ProductCreatedEvent> {
  constructor(private readonly events: EventBus) {}

  handle({ product }: ProductCreatedEvent): void {
    this.events.publish(new ReadModelChangedEvent('product', product.id));
    this.events.publish(new ReadModelChangedEvent('product', null));
  }
}
