import { Injectable } from '@nestjs/common';
import { DataSource, type EntitySubscriberInterface, type TransactionCommitEvent } from 'typeorm';
import { IdempotencyScope } from './idempotency-scope.js';
import { keyLostProblem } from './idempotency.problems.js';
import { WHERE_HELD, heldBy } from './idempotency.store.js';

const MARK_COMMITTED = `UPDATE idempotency_keys SET committed_at = coalesce(committed_at, now()) WHERE ${WHERE_HELD}`;

/**
 * Joins every transaction a keyed request commits, so that no handler has to know about idempotency:
 * - the key is marked "took effect" in the same transaction as the effect, so a crash between the commit and the
 *   storing of the response can never let a retry run the command a second time;
 * - the mark is also a fence: a request whose key a retry took over (its lock timed out) cannot commit at all.
 */
@Injectable()
export class IdempotencyTransactionSubscriber implements EntitySubscriberInterface {
  constructor(dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  async beforeTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    const scope = IdempotencyScope.current();
    if (!scope) return;
    const result = await queryRunner.query(MARK_COMMITTED, heldBy(scope.ref, scope.lockToken), true);
    // Throwing here makes TypeORM roll the transaction back.
    if (!result.affected) throw keyLostProblem();
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    const scope = IdempotencyScope.current();
    // A released savepoint is not a commit: only the outermost transaction's end counts.
    if (scope && !queryRunner.isTransactionActive) scope.committed = true;
  }
}
