import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { IdempotencyKeyRef } from './idempotency-scope.js';
import { keyDigest, openResponse, sealResponse, type StoredResponse } from './sealed-response.js';

/** A key someone used before, as a new request finds it. */
export interface ExistingKey {
  fingerprint: string;
  /** Its request is still running (its lock has not timed out). */
  inProgress: boolean;
  response: StoredResponse | null;
}

/** `existing` null: the key changed hands under us several times in a row; the client should retry. */
export type Claim = { held: true; lockToken: string } | { held: false; existing: ExistingKey | null };

const CLAIM_ATTEMPTS = 3;

// A key counts as absent when it has expired, or when its request died before committing anything (lock timed out).
const CLAIM = `
  INSERT INTO idempotency_keys AS k (issuer, subject, key_digest, fingerprint, request_id, lock_token, locked_until, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), now() + make_interval(secs => $8))
  ON CONFLICT (issuer, subject, key_digest) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, request_id = EXCLUDED.request_id, lock_token = EXCLUDED.lock_token,
    locked_until = EXCLUDED.locked_until, committed_at = NULL, response_status = NULL, response = NULL,
    created_at = now(), expires_at = EXCLUDED.expires_at
  WHERE (k.expires_at <= now() AND (k.locked_until IS NULL OR k.locked_until <= now()))
     OR (k.committed_at IS NULL AND k.response_status IS NULL AND k.locked_until <= now())
  RETURNING k.lock_token`;

const FIND = `
  SELECT fingerprint, coalesce(locked_until > now(), false) AS in_progress, response
  FROM idempotency_keys WHERE issuer = $1 AND subject = $2 AND key_digest = $3`;

export const WHERE_HELD = 'issuer = $1 AND subject = $2 AND key_digest = $3 AND lock_token = $4';

/** The parameters $1..$4 of WHERE_HELD. */
export const heldBy = (ref: IdempotencyKeyRef, lockToken: string) => [ref.issuer, ref.subject, keyDigest(ref.key), lockToken];

/**
 * The `idempotency_keys` table: claim a key before running a request, store its response after, release it when
 * the request took no effect; expired keys are deleted on an interval.
 */
@Injectable()
export class IdempotencyStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private readonly ttlSeconds: number;
  private readonly lockTimeoutSeconds: number;
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlSeconds = config.idempotency.ttlSeconds;
    this.lockTimeoutSeconds = config.idempotency.lockTimeoutSeconds;
  }

  /** Holds the key for this request, or tells what holds it. The primary key decides between concurrent claims. */
  async claim(ref: IdempotencyKeyRef, fingerprint: string, requestId: string): Promise<Claim> {
    // A row found by the INSERT may be released or purged before the SELECT sees it: then claim again.
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const lockToken = randomUUID();
      const digest = keyDigest(ref.key);
      const held: unknown[] = await this.dataSource.query(CLAIM, [
        ref.issuer, ref.subject, digest, fingerprint, requestId, lockToken, this.lockTimeoutSeconds, this.ttlSeconds,
      ]);
      if (held.length) return { held: true, lockToken };
      const [row] = await this.dataSource.query(FIND, [ref.issuer, ref.subject, digest]);
      if (!row) continue;
      const response = row.response === null ? null : openResponse(ref, row.response);
      return { held: false, existing: { fingerprint: row.fingerprint, inProgress: row.in_progress, response } };
    }
    return { held: false, existing: null };
  }

  /** The answer to every later request with this key, for the next TTL. */
  async complete(ref: IdempotencyKeyRef, lockToken: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET response_status = $5, response = $6, locked_until = NULL,
         expires_at = now() + make_interval(secs => $7)
       WHERE ${WHERE_HELD}`,
      [...heldBy(ref, lockToken), response.status, sealResponse(ref, response), this.ttlSeconds],
    );
  }

  /** Frees the key of a request that took no effect. False when it did commit (the database says so, not memory). */
  async release(ref: IdempotencyKeyRef, lockToken: string): Promise<boolean> {
    const [, deleted]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE ${WHERE_HELD} AND committed_at IS NULL`,
      heldBy(ref, lockToken),
    );
    return deleted > 0;
  }

  /** Expired keys are already ignored by claims; this only keeps the table small. */
  async purgeExpired(): Promise<number> {
    const [, deleted]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE expires_at <= now() AND (locked_until IS NULL OR locked_until <= now())`,
    );
    return deleted;
  }

  onApplicationBootstrap(): void {
    const everyMs = Math.min(this.ttlSeconds, 300) * 1000;
    this.purgeTimer = setInterval(() => {
      this.purgeExpired().catch((err) => this.logger.warn({ err }, 'Could not purge expired idempotency keys'));
    }, everyMs);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }
}
