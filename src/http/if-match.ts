import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem.js';

/** `If-Match` (RFC 9110 §13.1.1): '*' or the entity tags listed, weak ones included (they never match strongly). */
export type IfMatch = '*' | string[];

// One list member: empty elements (RFC 9110 §5.6.1), an entity-tag, then a comma or the end. etagc allows commas
// inside the quotes, so splitting on ',' would be wrong.
const MEMBER = /[ \t,]*((?:W\/)?"[\x21\x23-\x7E\x80-\xFF]*")[ \t]*(?:,|$)/y;
const NOTHING_LEFT = /^[ \t,]*$/;

const malformed = () =>
  ProblemException.badRequest('If-Match must be * or a list of entity tags such as "…" (quotes included).', [
    { field: 'If-Match', messages: ['not * or a list of entity tags'] },
  ]);

/** undefined without the header; a 400 when it is neither `*` nor a list of entity tags (it could never match). */
export function parseIfMatch(header: string | string[] | undefined): IfMatch | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  for (let at = 0; !NOTHING_LEFT.test(value.slice(at)); at = MEMBER.lastIndex) {
    MEMBER.lastIndex = at;
    const m = MEMBER.exec(value);
    if (!m) throw malformed();
    tags.push(m[1]);
  }
  if (tags.length === 0) throw malformed();
  return tags;
}

/** Controller parameter: the request's If-Match, parsed. */
export const IfMatchHeader = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  parseIfMatch(ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);
