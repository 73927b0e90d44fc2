import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { writeConditionsOf, type EntityTagCondition, type WriteConditions } from '../http/if-match.js';
import type { Preconditions } from './domain/product-decider.js';

/** A product's ETag (productEtag), weak or not: the id and the version it names. */
const PRODUCT_TAG = /^(W\/)?"([0-9a-f-]{36})\.(0|[1-9]\d{0,9})"$/;

/**
 * A write's conditions as versions of product `id`: `*` is any version; tags of other products name none. If-Match
 * compares strongly (a weak tag names none), If-None-Match weakly (RFC 9110 §13.1.1-2). Strong comparison is
 * character for character (§8.8.3.2): the id as we print it (lower case), a version without zeros in front.
 */
export function preconditionsFor(id: string, { ifMatch, ifNoneMatch }: WriteConditions): Preconditions {
  return { match: versionsNamed(id, ifMatch, 'strong'), noneMatch: versionsNamed(id, ifNoneMatch, 'weak') };
}

function versionsNamed(id: string, condition: EntityTagCondition | undefined, comparison: 'strong' | 'weak'): Preconditions['match'] {
  if (condition === undefined) return undefined;
  if (condition === '*') return 'any';
  return condition.flatMap((tag) => {
    const m = PRODUCT_TAG.exec(tag);
    return m && m[2] === id && (comparison === 'weak' || !m[1]) ? [Number(m[3])] : [];
  });
}

/**
 * Controller parameter of a product write: its If-Match and If-None-Match as versions of the product in the path
 * (ids are compared in lower case, as UuidParam gives them to the handler).
 */
export const ProductPreconditions = createParamDecorator((_: unknown, ctx: ExecutionContext): Preconditions => {
  const { headers, params } = ctx.switchToHttp().getRequest<FastifyRequest<{ Params: { id: string } }>>();
  return preconditionsFor(String(params.id).toLowerCase(), writeConditionsOf(headers));
});
