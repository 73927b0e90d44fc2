/**
 * The HTTP baseline: a bare Fastify hello world, run as a child process like the app. Fastify is resolved through
 * @nestjs/platform-fastify, so it is the very version the app runs on. Usage: node fastify-hello.js <port>
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.resolve('@nestjs/platform-fastify'));
const fastify = require('fastify') as typeof import('fastify').default;

const port = Number(process.argv[2]);
const app = fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

await app.listen({ port, host: '127.0.0.1' });
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Orphaned by a bench killed with SIGKILL: go too.
process.on('disconnect', stop);
