import type { EntityManager } from 'typeorm';
import type { ReadModelChangedEvent } from '../caching/read-model-changed.event.js';

/** A domain event to append in the command's transaction. */
export interface NewOutboxEvent {
  type: string;
  /** The kind and id of the thing the event is about, e.g. 'product' and its id. */
  streamType: string;
  streamId: string;
  /** The version of that thing after the event. */
  streamVersion: number;
  occurredAt: Date;
  payload: unknown;
}

/**
 * Where an event sits in the outbox, in the order subscribers read it: by the id of the transaction that wrote it, then
 * by position within the table. Both are int8 in PostgreSQL, so bigint here.
 */
export interface OutboxPosition {
  transactionId: bigint;
  position: bigint;
}

/** An event just appended, as the command that wrote it knows it. */
export interface AppendedEvent extends OutboxPosition {
  streamType: string;
  streamId: string;
}

/** A committed event as subscribers receive it. `payload` is the JSON of what was appended (dates are ISO strings). */
export interface OutboxEvent extends NewOutboxEvent, OutboxPosition {
  id: string;
}

/** What a value becomes once it went through JSON: the type of an outbox payload as subscribers read it. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/**
 * Something that consumes the outbox in order, from its own checkpoint: a projector that keeps a read model, or the
 * publisher that hands events to the EventBus. `handle` runs inside the relay's transaction, which also moves the
 * checkpoint, so an event's effect and "done" commit together. It must be idempotent all the same (a rebuild or an
 * operator's retry may bring an event again) and should not depend on the order of events of different streams.
 */
export interface OutboxSubscriber {
  /** Its checkpoint's key: rename it and it starts again from the beginning. */
  readonly name: string;
  /** Returns the read models it changed, announced once the transaction has committed. */
  handle(tx: EntityManager, event: OutboxEvent): Promise<ReadModelChangedEvent[] | void>;
  /** Rebuilds its read model from the write model (npm run projections:rebuild). */
  rebuild?(tx: EntityManager): Promise<void>;
}

export const comparePositions = (a: OutboxPosition, b: OutboxPosition): number =>
  a.transactionId === b.transactionId ? Number(a.position - b.position) : a.transactionId < b.transactionId ? -1 : 1;
