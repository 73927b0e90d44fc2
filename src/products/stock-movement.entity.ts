import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ProductEntity } from './product.entity.js';

/** The write model's record of one stock adjustment; the product row holds the resulting stock on hand. */
@Entity('stock_movements')
@Index('stock_movements_product_version_key', ['productId', 'productVersion'], { unique: true })
@Check('stock_movements_delta_check', 'delta <> 0')
@Check('stock_movements_stock_after_check', 'stock_after >= 0')
export class StockMovementEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'product_id' })
  productId: string;

  @ManyToOne(() => ProductEntity, { nullable: false, createForeignKeyConstraints: true })
  @JoinColumn({ name: 'product_id', foreignKeyConstraintName: 'stock_movements_product_id_fkey' })
  product?: ProductEntity;

  /** The product's version after this movement: orders a product's movements. */
  @Column('integer', { name: 'product_version' })
  productVersion: number;

  @Column('integer')
  delta: number;

  @Column('text')
  reason: string;

  @Column('integer', { name: 'stock_after' })
  stockAfter: number;

  @Column({ type: 'timestamptz', name: 'occurred_at', precision: 3 })
  occurredAt: Date;
}
