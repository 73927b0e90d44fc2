import { Injectable } from '@nestjs/common';
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
 * events, append the audit event and the outbox events. Then, after commit, wait for the read models.
 */
@Injectable()
export class ProductCommandRunner {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly products: ProductRepository,
  ) {}

  async run(
    context: WriteContext,
    productId: string,
    action: string,
    decide: (current: Product | null) => Decision,
    auditChanges: (change: ProductChange) => Changes = changedFields,
  ): Promise<ProductChange> {
    let sku: string | undefined;
    try {
      return await this.unitOfWork.run(context, async (tx) => {
        const before = await this.products.loadForUpdate(tx, productId);
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
