import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { QueryCache } from './query-cache.js';
import { ReadModelChangedEvent } from './read-model-changed.event.js';

/** Runs synchronously inside `publish`, so the write's response leaves after the invalidation has started. */
@EventsHandler(ReadModelChangedEvent)
export class InvalidateOnReadModelChanged implements IEventHandler<ReadModelChangedEvent> {
  constructor(private readonly cache: QueryCache) {}

  handle({ resourceType, resourceId }: ReadModelChangedEvent): void {
    this.cache.invalidate(resourceType, resourceId);
  }
}
