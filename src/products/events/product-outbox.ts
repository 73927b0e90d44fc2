import type { EventBusPublisher } from '../../outbox/event-bus.publisher.js';
import type { Json, NewOutboxEvent, OutboxEvent } from '../../outbox/outbox-event.js';
import type { Product, StockMovement } from '../domain/product.js';
import type { ProductEvent } from '../domain/product-events.js';
import { ProductCreatedEvent } from './product-created.event.js';
import { ProductDeletedEvent } from './product-deleted.event.js';
import { ProductUpdatedEvent } from './product-updated.event.js';
import { StockAdjustedEvent } from './stock-adjusted.event.js';

/** The outbox stream of products: the events of one product share its id and carry its version. */
export const PRODUCT_STREAM = 'product';

export function toOutboxEvent(event: ProductEvent): NewOutboxEvent {
  return {
    type: event.type,
    streamType: PRODUCT_STREAM,
    streamId: event.product.id,
    streamVersion: event.product.version,
    occurredAt: event.product.updatedAt,
    payload: event,
  };
}

const reviveProduct = (p: Json<Product>): Product => ({ ...p, createdAt: new Date(p.createdAt), updatedAt: new Date(p.updatedAt) });
const reviveMovement = (m: Json<StockMovement>): StockMovement => ({ ...m, occurredAt: new Date(m.occurredAt) });

/** Outbox event -> the class EventBus handlers subscribe to. */
export function mapProductEvents(publisher: EventBusPublisher): void {
  const payload = (e: OutboxEvent) => e.payload as Json<ProductEvent>;
  publisher.map('ProductCreated', (e) => new ProductCreatedEvent(reviveProduct(payload(e).product)));
  publisher.map('ProductUpdated', (e) => {
    const p = payload(e) as Json<Extract<ProductEvent, { type: 'ProductUpdated' }>>;
    return new ProductUpdatedEvent(reviveProduct(p.product), p.changed);
  });
  publisher.map('ProductDeleted', (e) => new ProductDeletedEvent(reviveProduct(payload(e).product)));
  publisher.map('StockAdjusted', (e) => {
    const p = payload(e) as Json<Extract<ProductEvent, { type: 'StockAdjusted' }>>;
    return new StockAdjustedEvent(reviveProduct(p.product), reviveMovement(p.movement));
  });
}
