import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The write model's row. Reads go through the read models (read-models/), never through this entity.
 * A deleted product keeps its row (deleted_at) for its movements and history, and releases its sku.
 */
@Entity('products')
@Index('products_sku_key', ['sku'], { unique: true, where: 'deleted_at IS NULL' })
@Index('products_created_at_id_idx', ['createdAt', 'id'])
@Check('products_price_cents_check', 'price_cents >= 0')
@Check('products_currency_check', `currency ~ '^[A-Z]{3}$'`)
@Check('products_stock_on_hand_check', 'stock_on_hand >= 0')
export class ProductEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  sku: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('integer', { name: 'price_cents' })
  priceCents: number;

  @Column('char', { length: 3 })
  currency: string;

  @Column('integer', { name: 'stock_on_hand', default: 0 })
  stockOnHand: number;

  @Column('integer')
  version: number;

  @Column('text', { name: 'owner_id' })
  ownerId: string;

  @Column({ type: 'timestamptz', name: 'created_at', precision: 3 })
  createdAt: Date;

  @Column({ type: 'timestamptz', name: 'updated_at', precision: 3 })
  updatedAt: Date;

  @Column({ type: 'timestamptz', name: 'deleted_at', precision: 3, nullable: true })
  deletedAt: Date | null;
}
