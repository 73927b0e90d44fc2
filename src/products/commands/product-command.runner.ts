import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { diff, type Changes } from '../../audit/audit-log.js';
import type { WriteContext } from '../../audit/write-context.js';
import { isUniqueViolation } from '../../database/pg-errors.js';
import { ProblemException } from '../../http/problem.js';
import { UnitOfWork } from '../../outbox/unit-of-work.js';
import { AUDITED_PRODUCT_FIELDS, type Product } from '../domain/product.js';
import { evolve, type Decision } from '../domain/product-decider.js';
import type { ProductEvent } from '../domain/product-events.js';
import { toOutboxEvent } from '../events/product-outbox.js';
import { ProductRepository } from '../product.repository.js';
import { problemOf } from './domain-problem.js';

export interface ProductChange {
  before: Product | null;
  after: Product | null;
  events: ProductEvent[];
}

const changedFields = ({ before, after }: ProductChange): Changes => diff(before, after, AUDITED_PRODUCT_FIELDS);

/**
 * What every product command does, in one transaction: load the product (locked), let the rules decide, persist the
 * events, append the audit event and the outbox events (the read models are projected with them, see UnitOfWork).
 */
@Injectable()
export class ProductCommandRunner {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly products: ProductRepository,
  ) {}

  run(
    context: WriteContext,
    productId: string,
    action: string,
    decide: (current: Product | null) => Decision,
    auditChanges: (change: ProductChange) => Changes = changedFields,
  ): Promise<ProductChange> {
    return this.execute(context, productId, action, decide, auditChanges, (tx) => this.products.loadForUpdate(tx, productId));
  }

  /**
   * A create of an id just generated (randomUUID): no row can hold it yet, so there is nothing to load or lock (a
   * collision would still fail, on the primary key).
   */
  create(context: WriteContext, newId: string, action: string, decide: () => Decision): Promise<ProductChange> {
    return this.execute(context, newId, action, decide, changedFields, async () => null);
  }

  private async execute(
    context: WriteContext,
    productId: string,
    action: string,
    decide: (current: Product | null) => Decision,
    auditChanges: (change: ProductChange) => Changes,
    load: (tx: EntityManager) => Promise<Product | null>,
  ): Promise<ProductChange> {
    let sku: string | undefined;
    try {
      return await this.unitOfWork.run(context, async (tx) => {
        const before = await load(tx);
        const decision = decide(before);
        if (!decision.ok) throw problemOf(decision.error);
        const { events } = decision;
        sku = events.at(-1)?.product.sku;
        await this.products.persist(tx, events);
        const change = { before, after: events.reduce(evolve, before), events };
        return {
          result: change,
          audit: { action, resourceType: 'product', resourceId: productId, changes: auditChanges(change) },
          occurredAt: events.at(-1)?.product.updatedAt ?? new Date(),
          events: events.map(toOutboxEvent),
        };
      });
    } catch (e) {
      // Uniqueness needs every product, so the database's unique index is the rule (no race between check and insert).
      if (isUniqueViolation(e, 'products_sku_key')) throw ProblemException.conflict(`The sku ${sku} is taken.`);
      throw e;
    }
  }
}
