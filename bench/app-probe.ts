/**
 * Preloaded into the app child (`node --import ./dist/bench/app-probe.js dist/src/main.js`). It answers the bench over
 * the IPC channel and adds nothing to a request but one counter increment per SQL statement:
 * - `count`: SQL statements sent since the last `reset` (so the report can show statements per request, and prove
 *   that an "uncached" read really reached the database);
 * - `sql`: with `reset { recordSql: true }`, the distinct statement texts since then (to compare the app's
 *   transaction with the baseline's);
 * - `profile-start` / `profile-stop { path }`: a V8 CPU profile of exactly one scenario, written as .cpuprofile.
 * When the bench dies without stopping us (SIGKILL), the IPC channel closes and the app shuts itself down.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import type { ProbeReply, ProbeRequest } from './probe-protocol.js';

let statements = 0;
let recorded: Set<string> | null = null;

type Query = (...args: unknown[]) => unknown;
const prototype = pg.Client.prototype as unknown as { query: Query };
const query = prototype.query;
prototype.query = function (this: unknown, ...args: unknown[]) {
  statements++;
  if (recorded && recorded.size < 50) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (text) recorded.add(text.replace(/\s+/g, ' ').trim());
  }
  return query.apply(this, args);
};

let profiler: Session | null = null;

async function handle(request: ProbeRequest): Promise<Omit<ProbeReply, 'id'>> {
  switch (request.cmd) {
    case 'reset':
      statements = 0;
      recorded = request.recordSql ? new Set() : null;
      return { statements: 0 };
    case 'count':
      return { statements, sql: recorded ? [...recorded] : undefined };
    case 'profile-start':
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      return {};
    case 'profile-stop': {
      if (!profiler) throw new Error('no profile running');
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = null;
      await writeFile(request.path, JSON.stringify(profile));
      return {};
    }
  }
}

process.on('message', (message: ProbeRequest) => {
  handle(message).then(
    (reply) => process.send?.({ ...reply, id: message.id }),
    (error: Error) => process.send?.({ id: message.id, error: error.message }),
  );
});
// The app stops itself on SIGTERM (closing its pool first); an orphan would hold the port and the database.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
