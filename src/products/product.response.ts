import { ApiProperty } from '@nestjs/swagger';
import type { Product } from './domain/product.js';

/** The Product JSON of the contract. */
export class ProductResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'MUG-001' }) sku: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: 'integer', minimum: 0 }) priceCents: number;
  @ApiProperty({ example: 'EUR', pattern: '^[A-Z]{3}$' }) currency: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) stockOnHand: number;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ description: 'The `sub` of the user who created it' }) ownerId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(p: Product): ProductResponse {
    return {
      id: p.id,
      sku: p.sku,
      name: p.name,
      description: p.description,
      priceCents: p.priceCents,
      currency: p.currency,
      stockOnHand: p.stockOnHand,
      version: p.version,
      ownerId: p.ownerId,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export class ProductPageResponse {
  @ApiProperty({ type: [ProductResponse] }) data: ProductResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page' }) nextCursor: string | null;
}

/** Strong validator: a product's representation changes exactly when its version does. */
export function productEtag(p: Pick<Product, 'id' | 'version'>): string {
  return `"${p.id}.${p.version}"`;
}
