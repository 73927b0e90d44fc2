import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The read model behind GET /v1/products and /v1/products/{id}: exactly the Product JSON, kept by
 * ProductViewsProjector. A deleted product stays as a tombstone (deletedAt) so that a late, older event cannot
 * bring it back; queries skip tombstones.
 */
@Entity('product_views')
@Index('product_views_created_at_id_idx', ['createdAt', 'id'], { where: 'deleted_at IS NULL' })
export class ProductViewEntity {
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

  @Column('integer', { name: 'stock_on_hand' })
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
