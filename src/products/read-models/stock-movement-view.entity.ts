import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The read model behind GET /v1/products/{id}/stock-movements, kept by StockMovementViewsProjector. */
@Entity('stock_movement_views')
@Index('stock_movement_views_product_idx', ['productId', 'occurredAt', 'id'])
export class StockMovementViewEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'product_id' })
  productId: string;

  @Column('integer')
  delta: number;

  @Column('text')
  reason: string;

  @Column('integer', { name: 'stock_after' })
  stockAfter: number;

  @Column({ type: 'timestamptz', name: 'occurred_at', precision: 3 })
  occurredAt: Date;
}
