import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ReadModelChangedEvent } from '../caching/read-model-changed.event.js';
import type { OutboxEvent, OutboxSubscriber } from './outbox-event.js';
import { OutboxRelay } from './outbox-relay.js';

/**
 * A read model's keeper: extend it, name it, say how an event changes the model and how to rebuild the model from the
 * write model. It registers with the relay when its module starts, from the beginning of the outbox. It runs inside
 * each command's transaction (read-your-writes without waiting), and from the relay for events written without it.
 */
@Injectable()
export abstract class Projector implements OutboxSubscriber, OnModuleInit {
  abstract readonly name: string;
  readonly projectsInline = true;

  constructor(protected readonly relay: OutboxRelay) {}

  async onModuleInit(): Promise<void> {
    await this.relay.register(this);
  }

  /** Idempotent, and indifferent to the order of events of different streams: see OutboxSubscriber. */
  abstract handle(tx: EntityManager, event: OutboxEvent): Promise<ReadModelChangedEvent[]>;

  abstract rebuild(tx: EntityManager): Promise<void>;
}
