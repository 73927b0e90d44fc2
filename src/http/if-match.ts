import type { IncomingHttpHeaders } from 'node:http';
import { ProblemException } from './problem.js';

/** `If-Match` or `If-None-Match` (RFC 9110 §13.1.1-2): '*' or the entity tags listed, weak ones included. */
export type EntityTagCondition = '*' | string[];

/** A write's conditional headers, parsed; each undefined when not sent. */
export interface WriteConditions {
  ifMatch?: EntityTagCondition;
  ifNoneMatch?: EntityTagCondition;
}

// One list member: empty elements (RFC 9110 §5.6.1), an entity-tag, then a comma or the end. etagc allows commas
// inside the quotes, so splitting on ',' would be wrong.
const MEMBER = /[ \t,]*((?:W\/)?"[\x21\x23-\x7E\x80-\xFF]*")[ \t]*(?:,|$)/y;
const NOTHING_LEFT = /^[ \t,]*$/;

const malformed = (name: string) =>
  ProblemException.badRequest(`${name} must be * or a list of entity tags such as "…" (quotes included).`, [
    { field: name, messages: ['not * or a list of entity tags'] },
  ]);

/** undefined without the header; a 400 when it is neither `*` nor a list of entity tags (it could never match). */
export function parseEntityTagCondition(header: string | string[] | undefined, name: string): EntityTagCondition | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  for (let at = 0; !NOTHING_LEFT.test(value.slice(at)); at = MEMBER.lastIndex) {
    MEMBER.lastIndex = at;
    const m = MEMBER.exec(value);
    if (!m) throw malformed(name);
    tags.push(m[1]);
  }
  if (tags.length === 0) throw malformed(name);
  return tags;
}

/** A write's If-Match and If-None-Match, parsed (a malformed one is a 400). */
export function writeConditionsOf(headers: IncomingHttpHeaders): WriteConditions {
  return {
    ifMatch: parseEntityTagCondition(headers['if-match'], 'If-Match'),
    ifNoneMatch: parseEntityTagCondition(headers['if-none-match'], 'If-None-Match'),
  };
}
