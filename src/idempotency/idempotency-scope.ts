import { AsyncLocalStorage } from 'node:async_hooks';

/** A user's key: keys of different users (issuer + sub) never meet. */
export interface IdempotencyKeyRef {
  issuer: string;
  subject: string;
  key: string;
}

const scopes = new AsyncLocalStorage<IdempotencyScope>();

/**
 * The key a request holds while its handler runs. Every database transaction the handler commits joins it
 * (IdempotencyTransactionSubscriber), so that "this request took effect" commits with the effect itself.
 */
export class IdempotencyScope {
  /** A transaction of this request has committed: its effect exists, whatever the response turns out to be. */
  committed = false;
  private open = true;

  constructor(
    readonly ref: IdempotencyKeyRef,
    readonly lockToken: string,
  ) {}

  /** Runs `fn` (and whatever it starts) inside this scope. */
  run<T>(fn: () => T): T {
    return scopes.run(this, fn);
  }

  /** Work the request left behind (event handlers, timers) no longer speaks for the key once it has answered. */
  close(): void {
    this.open = false;
  }

  static current(): IdempotencyScope | undefined {
    const scope = scopes.getStore();
    return scope?.open ? scope : undefined;
  }
}
