import type { AppConfig } from '../config/app-config.js';

/** Credentials never reach a log line, whichever serializer prints the request. */
const REDACTED = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
];

/** One pino configuration for Fastify's request logs and Nest's application logs. */
export function loggerOptions(config: AppConfig) {
  return { level: config.logLevel, redact: { paths: REDACTED, censor: '[redacted]' } };
}
