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
 * checkpoint, so an event's effect and "done" commit together (or, for `projectsInline`, inside the command's, which
 * records it in projected_by). It must be idempotent (a rebuild or an operator's retry may bring an event again) and
 * must not depend on order, not even within one stream: a command projects its own event inline while an older one of
 * the same stream may still wait in the relay (after an inline failure, or during a new projector's backfill). Apply
 * each event as the whole state it leads to, moving a row only to a higher version, or insert it once.
 */
export interface OutboxSubscriber {
  /** Its checkpoint's key: rename it and it starts again from the beginning. */
  readonly name: string;
  /**
   * Applied by UnitOfWork inside the command's own transaction too, so that a write's read models commit with it (no
   * waiting for the relay). The relay then only moves its checkpoint past the events recorded as projected by it.
   */
  readonly projectsInline?: boolean;
  /**
   * `handle` sends no SQL: a throw leaves nothing to undo, so the relay spares it the savepoint (two round trips) per
   * event. Its writes, if any, go in `completeBatch`.
   */
  readonly handleSendsNoSql?: boolean;
  /** Returns the read models it changed, announced once the transaction has committed. */
  handle(tx: EntityManager, event: OutboxEvent): Promise<ReadModelChangedEvent[] | void>;
  /** In the batch's transaction, after `handle` succeeded on `handled` (not on a failed or parked event): one statement for all. */
  completeBatch?(tx: EntityManager, handled: readonly OutboxEvent[]): Promise<void>;
  /** Rebuilds its read model from the write model (npm run projections:rebuild). */
  rebuild?(tx: EntityManager): Promise<void>;
}
