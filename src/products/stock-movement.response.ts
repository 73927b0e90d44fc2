import { ApiProperty } from '@nestjs/swagger';
import type { StockMovement } from './domain/product.js';

/** One stock movement. Who made it is in the audit trail (audit:read), not here: reads need only an API key. */
export class StockMovementResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) productId: string;
  @ApiProperty({ type: 'integer', example: -3, description: 'Units added (positive) or taken (negative)' }) delta: number;
  @ApiProperty({ example: 'Sold at the counter' }) reason: string;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Stock on hand right after this movement' }) stockAfter: number;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;

  static from(m: StockMovement): StockMovementResponse {
    return {
      id: m.id,
      productId: m.productId,
      delta: m.delta,
      reason: m.reason,
      stockAfter: m.stockAfter,
      occurredAt: m.occurredAt.toISOString(),
    };
  }
}

export class StockAdjustmentResponse {
  @ApiProperty({ type: StockMovementResponse }) movement: StockMovementResponse;
  @ApiProperty({ type: 'integer', minimum: 0 }) stockOnHand: number;
}

export class StockMovementPageResponse {
  @ApiProperty({ type: [StockMovementResponse], description: 'Newest first' }) data: StockMovementResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page' }) nextCursor: string | null;
}
