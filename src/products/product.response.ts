import { ApiProperty } from '@nestjs/swagger';
import type { EntityTagCondition, WriteConditions } from '../http/if-match.js';
import type { Product } from './domain/product.js';
import type { Preconditions } from './domain/product-decider.js';

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

/**
 * A write's conditions as versions of this product: `*` is any version; tags of other products name none. If-Match
 * compares strongly (a weak tag names none), If-None-Match weakly (RFC 9110 §13.1.1-2).
 */
export function preconditionsFor(id: string, { ifMatch, ifNoneMatch }: WriteConditions): Preconditions {
  return { match: versionsNamed(id, ifMatch, 'strong'), noneMatch: versionsNamed(id, ifNoneMatch, 'weak') };
}

function versionsNamed(id: string, condition: EntityTagCondition | undefined, comparison: 'strong' | 'weak'): Preconditions['match'] {
  if (condition === undefined) return undefined;
  if (condition === '*') return 'any';
  // Character for character (RFC 9110 §8.8.3.2): the id as we print it, a version without zeros in front.
  const ours = new RegExp(`^${comparison === 'weak' ? '(?:W/)?' : ''}"${id}\\.(0|[1-9]\\d{0,9})"$`);
  return condition.flatMap((tag) => {
    const m = ours.exec(tag);
    return m ? [Number(m[1])] : [];
  });
}
