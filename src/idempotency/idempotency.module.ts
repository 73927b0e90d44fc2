import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyTransactionSubscriber } from './idempotency-transaction.subscriber.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyStore } from './idempotency.store.js';

/** Idempotency-Key on every POST of the app: a global interceptor, its table, and the transaction hook. */
@Module({
  providers: [IdempotencyStore, IdempotencyTransactionSubscriber, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
  exports: [IdempotencyStore],
})
export class IdempotencyModule {}
