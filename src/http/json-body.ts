import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ProblemException } from './problem.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const PROTO_KEY = 'must not hold a __proto__ or constructor.prototype key';

const unsupported = (detail: string, headers?: Record<string, string>) =>
  new ProblemException({ status: 415, title: 'Unsupported Media Type', detail, headers });

/** JSON text to a value, or the 400 that says what is wrong with it (Fastify's own parser says only "not valid"). */
function parseJson(text: string): unknown {
  if (text.length === 0) throw ProblemException.badRequest('The body is empty; send a JSON object.');
  try {
    // Prototype poisoning (a `__proto__` key) is refused, not silently dropped, as Fastify's default does.
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof SyntaxError && /forbidden prototype property/.test(error.message)) {
      throw ProblemException.badRequest(`The body ${PROTO_KEY}.`, [{ field: 'body', messages: [PROTO_KEY] }]);
    }
    throw ProblemException.badRequest('The body is not valid JSON.');
  }
}

/**
 * Writes take JSON only, in UTF-8 (RFC 8259 §8.1) and without a content coding: anything else is refused, never
 * guessed at. Fastify's own parser would read other media types as strings, silently replace invalid bytes with
 * U+FFFD (storing what the client never sent) and try to parse a gzip body as JSON (a 400 that should be a 415).
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw unsupported('Send the body as application/json in UTF-8.');
      let text: string;
      try {
        text = STRICT_UTF8.decode(body as Buffer);
      } catch {
        throw ProblemException.badRequest('The body is not valid UTF-8.');
      }
      done(null, parseJson(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const coding = request.headers['content-encoding']?.trim().toLowerCase();
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    // A DELETE says all it means in its path and headers (RFC 9110 §9.3.5): a body would be ignored, so it is refused.
    if (hasBody && request.method === 'DELETE') {
      return done(ProblemException.badRequest('A DELETE takes no body.', [{ field: 'body', messages: ['must be empty'] }]));
    }
    if (!hasBody || coding === undefined || coding === '' || coding === 'identity') return done(null, payload);
    done(unsupported('Send the body without a Content-Encoding: this server does not decode compressed bodies.', { 'accept-encoding': 'identity' }));
  });
}
