import type { FastifyInstance } from 'fastify';
import { ProblemException } from './problem.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * Writes take JSON only, in UTF-8 (RFC 8259 §8.1) and without a content coding: anything else is refused, never
 * guessed at. Fastify's own parser would read other media types as strings, silently replace invalid bytes with
 * U+FFFD (storing what the client never sent) and try to parse a gzip body as JSON (a 400 that should be a 415).
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  const parseJson = fastify.getDefaultJsonParser(fastify.initialConfig.onProtoPoisoning ?? 'error', fastify.initialConfig.onConstructorPoisoning ?? 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return done(new ProblemException({ status: 415, title: 'Unsupported Media Type', detail: 'Send the body as application/json in UTF-8.' }), undefined);
    }
    let text: string;
    try {
      text = STRICT_UTF8.decode(body as Buffer);
    } catch {
      return done(ProblemException.badRequest('The body is not valid UTF-8.'), undefined);
    }
    parseJson(request, text, done);
  });
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const coding = request.headers['content-encoding']?.trim().toLowerCase();
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (!hasBody || coding === undefined || coding === '' || coding === 'identity') return done(null, payload);
    done(
      new ProblemException({
        status: 415,
        title: 'Unsupported Media Type',
        detail: 'Send the body without a Content-Encoding: this server does not decode compressed bodies.',
        headers: { 'accept-encoding': 'identity' },
      }),
    );
  });
}
