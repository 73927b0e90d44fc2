import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import type { Product } from './domain/product.js';
import type { ProductEvent } from './domain/product-events.js';
import { ProductEntity } from './product.entity.js';
import { StockMovementEntity } from './stock-movement.entity.js';

const toProduct = ({ deletedAt: _deleted, ...product }: ProductEntity): Product => product;

/** Loads and saves the write model inside a command's transaction. Saving is applying the decided events to rows. */
@Injectable()
export class ProductRepository {
  /** The live product, locked until the transaction ends: concurrent commands on it queue here, none is lost. */
  async loadForUpdate(tx: EntityManager, id: string): Promise<Product | null> {
    const row = await tx.findOne(ProductEntity, { where: { id, deletedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
    return row ? toProduct(row) : null;
  }

  async persist(tx: EntityManager, events: readonly ProductEvent[]): Promise<void> {
    for (const event of events) {
      const { product } = event;
      switch (event.type) {
        case 'ProductCreated':
          await tx.insert(ProductEntity, { ...product, deletedAt: null });
          break;
        case 'ProductUpdated':
          await this.update(tx, product, {
            sku: product.sku,
            name: product.name,
            description: product.description,
            priceCents: product.priceCents,
            currency: product.currency,
          });
          break;
        case 'StockAdjusted':
          await this.update(tx, product, { stockOnHand: product.stockOnHand });
          await tx.insert(StockMovementEntity, { ...event.movement, productVersion: product.version });
          break;
        case 'ProductDeleted':
          await this.update(tx, product, { deletedAt: product.updatedAt });
          break;
      }
    }
  }

  /** The row is locked, so the version check cannot fail unless something bypassed the lock: then fail loudly. */
  private async update(tx: EntityManager, product: Product, fields: Partial<ProductEntity>): Promise<void> {
    const result = await tx.update(
      ProductEntity,
      { id: product.id, version: product.version - 1 },
      { ...fields, version: product.version, updatedAt: product.updatedAt },
    );
    if (result.affected !== 1) throw new Error(`Product ${product.id} is not at version ${product.version - 1}.`);
  }
}
