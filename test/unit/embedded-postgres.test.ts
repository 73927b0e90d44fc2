import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

const CHILD_SCRIPT = fileURLToPath(new URL('../support/embedded-postgres-child.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  assert.notEqual(port, 5432);
  return port;
}

const tempDirs: string[] = [];
async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embedded-pg-test-'));
  // mkdtemp makes it 0700; as root, postgres runs as the `postgres` user and must reach the cluster dir.
  await chmod(dir, 0o755);
  tempDirs.push(dir);
  return join(dir, 'postgres');
}

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    return rows[0]!.one;
  } finally {
    await client.end();
  }
}

function postmasterPid(dataDir: string): Promise<number | undefined> {
  return readFile(join(dataDir, 'postmaster.pid'), 'utf8').then(
    (text) => Number.parseInt(text.split('\n')[0]!, 10),
    () => undefined,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

after(async () => {
  for (const dir of tempDirs) {
    // Never leave a server behind if a test failed half-way.
    const pid = await postmasterPid(join(dir, 'postgres'));
    if (pid && isAlive(pid)) process.kill(pid, 'SIGQUIT');
    await rm(dir, { recursive: true, force: true });
  }
});

describe('startEmbeddedPostgres', () => {
  it('starts a cluster in a fresh data dir, serves queries, and stops (twice is fine)', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const db = await startEmbeddedPostgres({ dataDir, port, database: 'app_test' });
    try {
      assert.equal(db.url, `postgres://postgres:postgres@127.0.0.1:${port}/app_test`);
      assert.equal(await selectOne(db.url), 1);
    } finally {
      await db.stop();
      await db.stop();
    }
    assert.equal(await postmasterPid(dataDir), undefined, 'server shut down and removed its pid file');
  });

  it('recovers when the process that started it was killed with SIGKILL', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();

    const child = spawn(process.execPath, [CHILD_SCRIPT, dataDir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const firstLine = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) done(out.split('\n')[0]!);
      });
      child.once('exit', (code) => fail(new Error(`child exited early with code ${code}`)));
    });
    const { url } = JSON.parse(firstLine) as { url: string };
    assert.equal(await selectOne(url), 1);

    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;

    // The orphaned server is still up, holding the port and postmaster.pid.
    const orphan = await postmasterPid(dataDir);
    assert.ok(orphan && isAlive(orphan), 'postgres outlived its killed parent');

    const messages: string[] = [];
    const db = await startEmbeddedPostgres({ dataDir, port, log: (msg) => messages.push(msg) });
    try {
      assert.ok(messages.some((msg) => msg.includes(`(pid ${orphan}) left running`)), messages.join('\n'));
      assert.equal(await selectOne(db.url), 1);
      const current = await postmasterPid(dataDir);
      assert.notEqual(current, orphan, 'a new server replaced the orphan');
    } finally {
      await db.stop();
    }
  });

  it('ignores a stale postmaster.pid whose pid now belongs to an unrelated process', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    await (await startEmbeddedPostgres({ dataDir, port })).stop();

    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(dataDir, 'postmaster.pid'), `${bystander.pid}\n${dataDir}\n`);
      const db = await startEmbeddedPostgres({ dataDir, port });
      try {
        assert.equal(await selectOne(db.url), 1);
      } finally {
        await db.stop();
      }
      assert.ok(isAlive(bystander.pid!), 'the unrelated process was not signalled');
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('names the port and EMBEDDED_PG_PORT when the port is taken by something else', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(startEmbeddedPostgres({ dataDir: await tempDataDir(), port }), (err: Error) => {
        assert.match(err.message, new RegExp(`port ${port}`));
        assert.match(err.message, /EMBEDDED_PG_PORT/);
        return true;
      });
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });
});
