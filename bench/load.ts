import autocannon from 'autocannon';
import type pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';

/** What every scenario and every baseline reports, so that any two can be compared. */
export interface Figures {
  requests: number;
  rps: number;
  /** Latency in milliseconds, from every completed request of the measured period (warm-up excluded). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** non2xx + socketErrors (timeouts are socket errors too). */
  errors: number;
  non2xx: number;
  socketErrors: number;
  statusCodes: Record<string, number>;
  seconds: number;
  /** CPU milliseconds per request of the server process (the app, Fastify, or the bench running the SQL) and of the
   * database backends serving it; absent without /proc. */
  cpu?: { serverMs?: number; databaseMs?: number };
}

export interface HttpLoad {
  url: string;
  connections: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Called for every request: vary its path or body (a counter in the closure carries on from the warm-up). */
  vary?: () => { path?: string; body?: string };
}

/** Drives an HTTP server with autocannon (keep-alive connections, no pipelining) for a time or a number of requests. */
export async function httpLoad(load: HttpLoad, length: { seconds: number } | { requests: number }): Promise<Figures> {
  const vary = load.vary;
  const instance = autocannon({
    url: load.url,
    connections: load.connections,
    ...('seconds' in length ? { duration: length.seconds } : { amount: length.requests }),
    method: load.method ?? 'GET',
    headers: load.headers,
    body: load.body,
    requests: vary ? [{ setupRequest: (request) => ({ ...request, ...vary() }) }] : undefined,
  });
  // autocannon's own histogram has 1 ms buckets; sub-millisecond figures need the raw samples.
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const result = await instance;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
  return figures(latencies, result.duration, result.non2xx, result.errors, statusCodes);
}

/**
 * The same transaction as an app write, run directly through `pg`: `concurrency` workers share a Pool of that size and
 * loop until the deadline (one transaction at a time each, as one HTTP connection sends one request at a time).
 */
export async function sqlLoad(
  pool: pg.Pool,
  concurrency: number,
  seconds: number,
  transaction: (client: pg.PoolClient) => Promise<void>,
): Promise<Figures> {
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure = '';
  const started = performance.now();
  const until = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      const begun = performance.now();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await transaction(client);
        await client.query('COMMIT');
      } catch (e) {
        if (failures++ === 0) firstFailure = (e as Error).message;
        await client.query('ROLLBACK').catch(() => undefined);
      } finally {
        client.release();
      }
      latencies.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  if (failures) console.error(`  ${failures} failed transactions, the first: ${firstFailure}`);
  return figures(latencies, elapsed, 0, failures, {});
}

function figures(latencies: number[], seconds: number, non2xx: number, socketErrors: number, statusCodes: Record<string, number>): Figures {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0);
  return {
    requests: sorted.length,
    rps: seconds > 0 ? sorted.length / seconds : 0,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
    errors: non2xx + socketErrors,
    non2xx,
    socketErrors,
    statusCodes,
    seconds,
  };
}

/** A short pause between runs, so that one run's tail (GC, connection close, WAL flush) is not measured in the next. */
export const settle = () => sleep(500);
