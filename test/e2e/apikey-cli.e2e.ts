import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { API_KEY_PATTERN } from '../../src/auth/api-keys/api-key-format.js';
import { apiKey, startTestApp, unique, type TestApp } from '../support/test-app.js';

const run = promisify(execFile);

/** `npm run apikey -- <args>` without the build step: the compiled CLI, on the tests' database. */
async function apikey(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['dist/src/cli/apikey.cli.js', ...args], {
      env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'cqrs-cli-')) },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1)!;

describe('npm run apikey: the same commands as the API', () => {
  let t: TestApp;
  // No cache here: the CLI changes keys from another process, and this test wants to see that at once.
  before(async () => (t = await startTestApp({ API_KEY_CACHE_TTL_MS: '0' })));
  after(() => t.close());
  const read = (key: string) => t.request('GET', '/v1/products?limit=1', { headers: apiKey(key) }).then((r) => r.status);

  it('create, list, rotate and revoke, audited as cli:<os user>', async () => {
    const name = unique('cli');
    const created = await apikey('create', '--name', name, '--rate-limit', '30');
    assert.equal(created.code, 0, created.stderr);
    const key = lastLine(created.stdout);
    assert.match(key, API_KEY_PATTERN, 'the key alone on the last line');
    assert.equal(await read(key), 200);
    const [row] = await t.db.query('SELECT id, created_by, rate_limit_per_minute FROM api_keys WHERE name = $1', [name]);
    const actor = `cli:${userInfo().username}`;
    assert.equal(row.created_by, actor);
    assert.equal(row.rate_limit_per_minute, 30);

    const listed = await apikey('list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const entry = JSON.parse(listed.stdout).find((k: { id: string }) => k.id === row.id);
    assert.equal(entry.name, name);
    assert.equal(entry.status, 'active');
    assert.ok(!listed.stdout.includes(key));

    const rotated = await apikey('rotate', row.id, '--grace-seconds', '0');
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = lastLine(rotated.stdout);
    assert.match(fresh, API_KEY_PATTERN);
    assert.equal(await read(key), 401);
    assert.equal(await read(fresh), 200);

    const [{ id: freshId }] = await t.db.query('SELECT id FROM api_keys WHERE replaced_by IS NULL AND name = $1', [name]);
    const revoked = await apikey('revoke', freshId);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await read(fresh), 401);

    const audit = await t.db.query(
      `SELECT action, actor_sub, actor_issuer, actor_client_id, changes::text AS changes FROM audit_events WHERE resource_id = ANY($1) ORDER BY occurred_at, action`,
      [[row.id, freshId]],
    );
    assert.deepEqual(audit.map((a: { action: string }) => a.action).sort(), ['api-keys.create', 'api-keys.create', 'api-keys.revoke', 'api-keys.rotate']);
    for (const a of audit) {
      assert.equal(a.actor_sub, actor);
      assert.equal(a.actor_issuer, 'local-cli');
      assert.equal(a.actor_client_id, 'apikey-cli');
      assert.ok(!a.changes.includes(key.slice(24)) && !a.changes.includes(fresh.slice(24)), 'no secret in the audit trail');
    }
  });

  it('refuses what the API refuses, with the same rules', async () => {
    const noName = await apikey('create');
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /name/);
    const past = await apikey('create', '--name', 'x', '--expires-at', '2001-01-01T00:00:00Z');
    assert.equal(past.code, 2);
    assert.match(past.stderr, /expiresAt must be in the future/);
    const unknown = await apikey('rotate', '00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No API key/);
  });
});
