// Child process for the kill -9 test: starts the embedded database, reports its URL on stdout,
// then idles until it is killed. Usage: node embedded-postgres-child.js <dataDir> <port>
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

const [dataDir, port] = process.argv.slice(2);
const db = await startEmbeddedPostgres({ dataDir, port: Number(port) });
process.stdout.write(`${JSON.stringify({ url: db.url })}\n`);
setInterval(() => {}, 60_000);
