import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventBus, type IEvent } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import type { OutboxEvent, OutboxSubscriber } from './outbox-event.js';
import { OutboxRelay } from './outbox-relay.js';

export const EVENT_BUS_SUBSCRIBER = 'event-bus';

/**
 * The relay's link to the in-process EventBus: each committed event, once, on one instance, as the event class its
 * feature registered (e.g. ProductCreatedEvent). At least once: a crash between publishing and marking it dispatched
 * publishes it again after the restart.
 */
@Injectable()
export class EventBusPublisher implements OutboxSubscriber, OnModuleInit {
  readonly name = EVENT_BUS_SUBSCRIBER;
  readonly handleSendsNoSql = true;
  private readonly factories = new Map<string, (event: OutboxEvent) => IEvent>();

  constructor(
    private readonly bus: EventBus,
    private readonly relay: OutboxRelay,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.relay.register(this);
  }

  /** How an outbox event of this type becomes the event class that EventBus handlers subscribe to. */
  map(type: string, toEvent: (event: OutboxEvent) => IEvent): void {
    this.factories.set(type, toEvent);
  }

  async handle(_tx: EntityManager, event: OutboxEvent): Promise<void> {
    const toEvent = this.factories.get(event.type);
    // An unknown type is a deployment mistake: failing parks it where an operator sees it, instead of dropping it.
    if (!toEvent) throw new Error(`No EventBus mapping for outbox events of type ${event.type}.`);
    this.bus.publish(toEvent(event));
  }

  async completeBatch(tx: EntityManager, published: readonly OutboxEvent[]): Promise<void> {
    await tx.query(`UPDATE outbox_events SET dispatched_at = now() WHERE position = ANY ($1::bigint[]) AND dispatched_at IS NULL`, [
      published.map((e) => e.position.toString()),
    ]);
  }
}
