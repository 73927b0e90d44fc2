import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyScope } from '../../src/idempotency/idempotency-scope.js';
import { keyDigest } from '../../src/idempotency/sealed-response.js';
import { bearer, startTestApp, unique, type HttpResult, type TestApp } from '../support/test-app.js';
import { newProduct } from '../support/products.js';


function post(t: TestApp, token: string, key: string | undefined, body: unknown, path = '/v1/products'): Promise<HttpResult> {
  return t.request('POST', path, { headers: { ...bearer(token), ...(key === undefined ? {} : { 'idempotency-key': key }) }, body });
}

async function count(t: TestApp, sql: string, params: unknown[]): Promise<number> {
  const [row] = await t.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return row.n;
}

const productsWithSku = (t: TestApp, sku: string) => count(t, 'products WHERE sku = $1', [sku]);
const auditRowsOf = (t: TestApp, id: string) => count(t, `audit_events WHERE resource_type = 'product' AND resource_id = $1`, [id]);
const keyRows = (t: TestApp, sub: string, key: string) => count(t, 'idempotency_keys WHERE subject = $1 AND key_digest = $2', [sub, keyDigest(key)]);

describe('idempotency: Idempotency-Key on every POST', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('a retry with the same key and body returns the first response and writes nothing more', async () => {
    const sub = unique('user');
    const token = await t.token({ sub, scope: 'products:write' });
    const key = randomUUID();
    const body = newProduct({ description: 'Blue' });
    const first = await post(t, token, key, body);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);

    // The same JSON with its keys in another order is the same request (RFC 8785 canonical form).
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    for (const retryBody of [body, reordered]) {
      const retry = await post(t, token, key, retryBody);
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(retry.text, first.text);
      assert.equal(retry.headers.get('location'), first.headers.get('location'));
      assert.equal(retry.headers.get('etag'), first.headers.get('etag'));
      assert.equal(retry.headers.get('content-type'), first.headers.get('content-type'));
      assert.equal(retry.headers.get('cache-control'), 'no-store');
      assert.match(retry.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      assert.notEqual(retry.headers.get('x-request-id'), first.headers.get('x-request-id'));
    }
    assert.equal(await productsWithSku(t, body.sku), 1);
    assert.equal(await auditRowsOf(t, first.body.id), 1);

    // Responses may carry secrets shown once (a new API key): the table holds neither the key nor the response.
    const [stored] = await t.db.query('SELECT row_to_json(k)::text AS row FROM idempotency_keys k WHERE subject = $1', [sub]);
    for (const secret of [key, first.body.id, body.sku]) assert.ok(!stored.row.includes(secret), secret);
  });

  it('the same key with another body, or on another path, is refused with 422 and nothing is written', async () => {
    const token = await t.token({ scope: 'products:write inventory:write' });
    const key = randomUUID();
    const first = await post(t, token, key, newProduct());
    assert.equal(first.status, 201);

    const other = newProduct();
    const refused = await post(t, token, key, other);
    assert.equal(refused.status, 422);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    assert.equal(refused.body.requestId, refused.headers.get('x-request-id'));
    assert.match(refused.body.detail, /different request/);
    assert.equal(await productsWithSku(t, other.sku), 0);

    const elsewhere = await post(t, token, key, { delta: 1, reason: 'count' }, `/v1/products/${first.body.id}/stock-adjustments`);
    assert.equal(elsewhere.status, 422);
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM stock_movements WHERE product_id = $1', [first.body.id]);
    assert.equal(n, 0);
  });

  it('a retry that spells the id in upper case is the same request: it gets the stored answer', async () => {
    const token = await t.token({ scope: 'products:write inventory:write' });
    const { id } = (await post(t, token, undefined, newProduct())).body;
    const key = randomUUID();
    const body = { delta: 3, reason: 'count' };
    const first = await post(t, token, key, body, `/v1/products/${id}/stock-adjustments`);
    assert.equal(first.status, 201);
    const retry = await post(t, token, key, body, `/v1/products/${id.toUpperCase()}/stock-adjustments`);
    assert.equal(retry.status, 201);
    assert.deepEqual(retry.body, first.body);
    const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM stock_movements WHERE product_id = $1', [id]);
    assert.equal(n, 1);
  });

  it('keys belong to a user: the same key from another user runs independently', async () => {
    const alice = await t.token({ sub: unique('alice'), scope: 'products:write' });
    const bob = await t.token({ sub: unique('bob'), scope: 'products:write' });
    const key = randomUUID();
    const aliceBody = newProduct();
    const bobBody = newProduct();
    const a = await post(t, alice, key, aliceBody);
    const b = await post(t, bob, key, bobBody);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201, 'not a 422: the key is not bob\'s');
    assert.equal(b.headers.get('idempotent-replayed'), null);
    assert.notEqual(a.body.id, b.body.id);

    const aRetry = await post(t, alice, key, aliceBody);
    const bRetry = await post(t, bob, key, bobBody);
    assert.equal(aRetry.body.id, a.body.id);
    assert.equal(bRetry.body.id, b.body.id);
    assert.equal(aRetry.headers.get('idempotent-replayed'), 'true');
    assert.equal(bRetry.headers.get('idempotent-replayed'), 'true');
  });

  it('concurrent identical requests: exactly one runs, the others replay it or are told it is in progress', async () => {
    const sub = unique('racer');
    const token = await t.token({ sub, scope: 'products:write' });
    const key = randomUUID();
    const body = newProduct();
    const results = await Promise.all(Array.from({ length: 10 }, () => post(t, token, key, body)));

    const executed = results.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    assert.equal(executed.length, 1, `statuses: ${results.map((r) => r.status)}`);
    const id = executed[0].body.id;
    for (const r of results) {
      if (r.status === 201) {
        assert.equal(r.body.id, id);
      } else {
        assert.equal(r.status, 409, r.text);
        assert.equal(r.headers.get('retry-after'), '1');
        assert.match(r.body.detail, /in progress/);
      }
    }
    assert.equal(await productsWithSku(t, body.sku), 1);
    assert.equal(await auditRowsOf(t, id), 1);
    // Once the first has answered, every retry gets its response.
    const later = await post(t, token, key, body);
    assert.equal(later.status, 201);
    assert.equal(later.body.id, id);
  });

  it('a request that failed without taking effect does not use up its key', async () => {
    const sub = unique('user');
    const token = await t.token({ sub, scope: 'products:write' });

    const invalidKey = randomUUID();
    const invalid = await post(t, token, invalidKey, newProduct({ priceCents: -1 }));
    assert.equal(invalid.status, 400);
    assert.equal(await keyRows(t, sub, invalidKey), 0);
    const fixed = await post(t, token, invalidKey, newProduct());
    assert.equal(fixed.status, 201, 'the corrected body runs: no 422');

    // A rule refused in the command's transaction (sku taken) rolled everything back, so the key is free too.
    const taken = newProduct();
    assert.equal((await post(t, token, undefined, taken)).status, 201);
    const conflictKey = randomUUID();
    assert.equal((await post(t, token, conflictKey, taken)).status, 409);
    const retried = await post(t, token, conflictKey, newProduct());
    assert.equal(retried.status, 201);
  });

  it('without Idempotency-Key every POST runs, and no key is stored', async () => {
    const sub = unique('user');
    const token = await t.token({ sub, scope: 'products:write' });
    const one = await post(t, token, undefined, newProduct());
    const two = await post(t, token, undefined, newProduct());
    assert.equal(one.status, 201);
    assert.equal(two.status, 201);
    assert.notEqual(one.body.id, two.body.id);
    assert.equal(one.headers.get('idempotent-replayed'), null);
    assert.equal(await count(t, 'idempotency_keys WHERE subject = $1', [sub]), 0);
  });

  it('a malformed key is a 400 and nothing is written', async () => {
    const sub = unique('user');
    const token = await t.token({ sub, scope: 'products:write' });
    for (const key of ['', 'k'.repeat(256), 'clé']) {
      const body = newProduct();
      const res = await post(t, token, key, body);
      assert.equal(res.status, 400, JSON.stringify(key));
      assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field), ['Idempotency-Key']);
      assert.equal(await productsWithSku(t, body.sku), 0);
    }
    assert.equal((await post(t, token, 'k'.repeat(255), newProduct())).status, 201);
    assert.equal(await count(t, 'idempotency_keys WHERE subject = $1', [sub]), 1);
  });

  it('a key whose request died before committing is taken over once its lock has timed out', async () => {
    const sub = unique('user');
    const token = await t.token({ sub, scope: 'products:write' });
    const key = randomUUID();
    await t.db.query(
      `INSERT INTO idempotency_keys (issuer, subject, key_digest, fingerprint, request_id, lock_token, locked_until, expires_at)
       VALUES ($1, $2, $3, 'of-a-dead-request', 'dead', $4, now() - interval '1 second', now() + interval '1 hour')`,
      [t.config.auth.issuer, sub, keyDigest(key), randomUUID()],
    );
    const res = await post(t, token, key, newProduct());
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('idempotent-replayed'), null);
  });

  it('the key is marked in the command\'s own transaction, and a request that lost its key cannot commit', async () => {
    const sub = unique('user');
    const key = randomUUID();
    const ref = { issuer: t.config.auth.issuer, subject: sub, key };
    const holder = randomUUID();
    await t.db.query(
      `INSERT INTO idempotency_keys (issuer, subject, key_digest, fingerprint, request_id, lock_token, locked_until, expires_at)
       VALUES ($1, $2, $3, 'f', 'r', $4, now() + interval '1 minute', now() + interval '1 hour')`,
      [ref.issuer, sub, keyDigest(key), holder],
    );
    const insertProduct = (sku: string) =>
      t.db.transaction((tx) =>
        tx.query(
          `INSERT INTO products (id, sku, name, price_cents, currency, version, owner_id, created_at, updated_at)
           VALUES ($1, $2, 'Mug', 1, 'EUR', 1, $3, now(), now())`,
          [randomUUID(), sku, sub],
        ),
      );
    const committedAt = async () => (await t.db.query('SELECT committed_at FROM idempotency_keys WHERE subject = $1', [sub]))[0].committed_at;

    // Another request's token: its transaction is rolled back, nothing of it stays.
    const stale = new IdempotencyScope(ref, randomUUID());
    const lostSku = unique('SKU');
    await assert.rejects(stale.run(() => insertProduct(lostSku)), /lost its Idempotency-Key/);
    assert.equal(await productsWithSku(t, lostSku), 0);
    assert.equal(await committedAt(), null);

    // A transaction that rolls back leaves the key unmarked.
    const owner = new IdempotencyScope(ref, holder);
    await assert.rejects(owner.run(() => t.db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      throw new Error('rule broken');
    })));
    assert.equal(await committedAt(), null);
    assert.equal(owner.committed, false);

    // The holder's transaction commits, and the mark with it.
    const sku = unique('SKU');
    await owner.run(() => insertProduct(sku));
    assert.equal(await productsWithSku(t, sku), 1);
    assert.ok(await committedAt());
    assert.equal(owner.committed, true);
  });

  it('declares the header and its answers on every POST of the OpenAPI document', async () => {
    const doc = await t.request('GET', '/docs-json');
    const posts = Object.entries(doc.body.paths as Record<string, { post?: any }>).filter(([, item]) => item.post);
    assert.ok(posts.length > 0);
    for (const [path, { post: op }] of posts) {
      const header = op.parameters.find((p: { name: string; in: string }) => p.name === 'Idempotency-Key' && p.in === 'header');
      assert.ok(header, path);
      assert.equal(header.required, false);
      assert.ok(op.responses['409'], path);
      assert.ok(op.responses['422'], path);
    }
    assert.ok(doc.body.paths['/v1/products'].post.responses['201'].headers['Idempotent-Replayed']);
  });
});

describe('idempotency: expiry', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ IDEMPOTENCY_TTL_SECONDS: '1' });
  });
  after(() => t.close());

  it('an expired key is absent: the request runs again, and expired keys are purged', async () => {
    const sub = unique('user');
    const token = await t.token({ sub, scope: 'products:write' });
    const key = randomUUID();
    const first = await post(t, token, key, newProduct());
    assert.equal(first.status, 201);
    await sleep(1100);

    const second = await post(t, token, key, newProduct());
    assert.equal(second.status, 201, 'a new body is no 422 once the key has expired');
    assert.equal(second.headers.get('idempotent-replayed'), null);
    assert.notEqual(second.body.id, first.body.id);

    // Purged on an interval of at most the TTL (here 1 s): no request needed.
    const deadline = Date.now() + 10_000;
    while ((await keyRows(t, sub, key)) > 0) {
      assert.ok(Date.now() < deadline, 'the expired key was not purged');
      await sleep(200);
    }
  });
});

describe('idempotency: a crash between the commit and the stored response', () => {
  let t: TestApp;
  const trigger = `idem_fail_${randomUUID().replaceAll('-', '')}`;
  const key = randomUUID();
  before(async () => {
    t = await startTestApp({ IDEMPOTENCY_LOCK_TIMEOUT_SECONDS: '1' });
    // Storing the response for this one key fails, as if the process had died right after the commit.
    await t.db.query(`
      CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.key_digest = '${keyDigest(key)}' AND NEW.response_status IS NOT NULL THEN RAISE EXCEPTION 'simulated crash'; END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(`CREATE TRIGGER ${trigger} BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
  });
  after(async () => {
    await t.db.query(`DROP TRIGGER IF EXISTS ${trigger} ON idempotency_keys`);
    await t.db.query(`DROP FUNCTION IF EXISTS ${trigger}()`);
    await t.close();
  });

  it('never runs the command twice: retries learn it took effect', async () => {
    const token = await t.token({ scope: 'products:write' });
    const body = newProduct();
    const first = await post(t, token, key, body);
    assert.equal(first.status, 201, 'the client still gets its answer');

    const early = await post(t, token, key, body);
    assert.equal(early.status, 409);
    assert.equal(early.headers.get('retry-after'), '1');

    await sleep(1100);
    const late = await post(t, token, key, body);
    assert.equal(late.status, 409);
    assert.equal(late.headers.get('retry-after'), null);
    assert.match(late.body.detail, /took effect/);
    assert.equal(await productsWithSku(t, body.sku), 1);
    assert.equal(await auditRowsOf(t, first.body.id), 1);
  });
});
