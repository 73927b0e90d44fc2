import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import pg from 'pg';
import { loadOrCreateDevSigningKey } from '../../src/auth/tokens/dev-signing-key.js';
import { loadConfig } from '../../src/config/app-config.js';
import { unique } from '../support/test-app.js';
import { eventually } from '../support/products.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The real server, as `npm start` runs it (node dist/src/main.js), in a child process we can kill. */
class Server {
  private child?: ChildProcess;
  private output = '';
  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly baseUrl: string,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [MAIN], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    await eventually(
      async () => {
        if (this.child?.exitCode !== null) throw new Error(`The server exited:\n${this.output}`);
        return fetch(`${this.baseUrl}/health/ready`).then((r) => r.ok, () => false);
      },
      30_000,
      'the server to be ready',
    );
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

describe('products: a crash right after commit loses nothing', () => {
  let server: Server;
  let db: pg.Client;
  let token: string;
  let sub: string;

  before(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cqrs-crash-'));
    const port = await freePort();
    const env = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
    server = new Server(env, `http://127.0.0.1:${port}`);
    // The child signs nothing: it verifies with the dev key in its data dir, which we create and sign with here.
    const config = loadConfig(env);
    const key = loadOrCreateDevSigningKey(config.auth.devSigningKeyPath);
    sub = unique('crash');
    token = await new SignJWT({ scope: 'products:write inventory:write', client_id: 'crash-test' })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(config.auth.issuer)
      .setAudience(config.auth.audience)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey);
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  after(async () => {
    await server.kill('SIGTERM');
    await db.end();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(server.baseUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('SIGKILL in the middle of a stream of writes, then a restart: every committed write has its audit row and its projection', async () => {
    await server.start();
    const acknowledged = { products: new Set<string>(), movements: new Set<string>() };
    let writing = true;
    // Six clients: create a product, adjust its stock three times, again, until the server dies under them.
    const clients = Array.from({ length: 6 }, async () => {
      while (writing) {
        try {
          const created = await post('/v1/products', { sku: unique('CRASH'), name: 'Crash test', priceCents: 100, currency: 'EUR' });
          if (created.status !== 201) continue;
          acknowledged.products.add(created.body.id);
          for (let i = 0; i < 3 && writing; i++) {
            const adjusted = await post(`/v1/products/${created.body.id}/stock-adjustments`, { delta: 2, reason: `r${i}` });
            if (adjusted.status === 201) acknowledged.movements.add(adjusted.body.movement.id);
          }
        } catch {
          await sleep(5); // connection refused or reset: the server is down
        }
      }
    });
    await eventually(async () => acknowledged.products.size >= 20, 30_000, 'a stream of writes');
    await server.kill('SIGKILL');
    writing = false;
    await Promise.all(clients);

    const q = async <T = any>(sql: string): Promise<T[]> => (await db.query(sql, [sub])).rows;
    const [{ behind }] = await q<{ behind: number }>(`
      SELECT count(*)::int AS behind FROM outbox_events e JOIN products p ON p.id::text = e.stream_id
      WHERE p.owner_id = $1 AND e.position > (SELECT min(position) FROM projector_checkpoints WHERE projector IN ('product-views', 'stock-movement-views', 'event-bus'))`);
    console.log(`# killed with ${acknowledged.products.size} products and ${acknowledged.movements.size} movements acknowledged; ${behind} events at most not yet relayed`);

    await server.start();
    // The restarted relay (and the poll) take what the dead one left.
    await eventually(
      async () => {
        const [{ missing }] = await q<{ missing: number }>(`
          SELECT (SELECT count(*) FROM products p LEFT JOIN product_views v ON v.id = p.id AND v.version = p.version
                  WHERE p.owner_id = $1 AND v.id IS NULL)
               + (SELECT count(*) FROM stock_movements m JOIN products p ON p.id = m.product_id
                  LEFT JOIN stock_movement_views v ON v.id = m.id WHERE p.owner_id = $1 AND v.id IS NULL)
               + (SELECT count(*) FROM outbox_events e JOIN products p ON p.id::text = e.stream_id
                  WHERE p.owner_id = $1 AND e.dispatched_at IS NULL) AS missing`);
        return Number(missing) === 0;
      },
      30_000,
      'the read models to catch up after the restart',
    );

    // What a client was told succeeded was committed.
    const products = await q<{ id: string; version: number; stock: number }>(`SELECT id, version, stock_on_hand AS stock FROM products WHERE owner_id = $1`);
    const movements = await q<{ id: string; productId: string }>(
      `SELECT m.id, m.product_id AS "productId" FROM stock_movements m JOIN products p ON p.id = m.product_id WHERE p.owner_id = $1`,
    );
    for (const id of acknowledged.products) assert.ok(products.some((p) => p.id === id), `acknowledged product ${id} is missing`);
    for (const id of acknowledged.movements) assert.ok(movements.some((m) => m.id === id), `acknowledged movement ${id} is missing`);

    // Every write has exactly its audit row, and every audit row its write.
    const audits = await q<{ action: string; resourceId: string; movementId: string | null }>(`
      SELECT action, resource_id AS "resourceId", changes->'movement'->'after'->>'id' AS "movementId"
      FROM audit_events WHERE actor_sub = $1`);
    const created = audits.filter((a) => a.action === 'products.create').map((a) => a.resourceId).sort();
    assert.deepEqual(created, products.map((p) => p.id).sort());
    const adjusted = audits.filter((a) => a.action === 'products.adjust-stock').map((a) => a.movementId).sort();
    assert.deepEqual(adjusted, movements.map((m) => m.id).sort());
    assert.equal(audits.length, products.length + movements.length);

    // And its projection: the views hold exactly the write model.
    const views = await q(`SELECT v.id, v.version, v.stock_on_hand AS stock FROM product_views v JOIN products p ON p.id = v.id WHERE p.owner_id = $1`);
    assert.deepEqual(views.sort((a, b) => a.id.localeCompare(b.id)), products.sort((a, b) => a.id.localeCompare(b.id)));
    const [{ n }] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM stock_movement_views v JOIN products p ON p.id = v.product_id WHERE p.owner_id = $1`,
    );
    assert.equal(n, movements.length);
    for (const p of products) assert.equal(p.stock, 2 * movements.filter((m) => m.productId === p.id).length);
  });
});
