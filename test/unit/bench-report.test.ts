import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Figures } from '../../bench/load.js';
import { summarizeProfile } from '../../bench/profile-summary.js';
import { evaluateTargets, type ScenarioReport } from '../../bench/report.js';
import { readSettings } from '../../bench/settings.js';

const figures = (rps: number, p99: number, errors = 0): Figures => ({
  requests: rps * 10,
  rps,
  p50: p99 / 2,
  p90: p99 / 1.5,
  p99,
  max: p99 * 2,
  errors,
  non2xx: errors,
  socketErrors: 0,
  statusCodes: {},
  seconds: 10,
});

const scenario = (key: ScenarioReport['key'], rpsRatio: number | null, p99 = 10, errors = 0): ScenarioReport => ({
  key,
  title: key,
  request: '',
  connections: 50,
  baseline: key === 'create' ? 'sql-create' : key === 'stock-adjustment' ? 'sql-stock-adjustment' : 'fastify-hello',
  figures: rpsRatio === null ? undefined : figures(1000, p99, errors),
  ratio: rpsRatio === null ? undefined : { rps: rpsRatio, p50: 1, p99: 1 },
});

describe('bench targets', () => {
  it('passes and misses each ratio at its own threshold, and says n/a for what did not run', () => {
    const targets = evaluateTargets(
      [scenario('cached-read', 0.6), scenario('uncached-read', 0.29), scenario('create', 0.7), scenario('stock-adjustment', null)],
      50,
    );
    const pass = Object.fromEntries(targets.map((t) => [t.name, t.pass]));
    assert.equal(pass['cached read, req/s / bare Fastify'], true);
    assert.equal(pass['uncached read by id, req/s / bare Fastify'], false);
    assert.equal(pass['audited write (create), req/s / same SQL via pg'], true);
    assert.equal(pass['audited write (stock adjustment), req/s / same SQL via pg'], null);
  });

  it('checks p99 below 20 ms for reads only, and counts every error of the app scenarios', () => {
    const targets = evaluateTargets([scenario('cached-read', 1, 19.9), scenario('list-page', 1, 20), scenario('create', 1, 500, 3)], 50);
    const byName = new Map(targets.map((t) => [t.name, t]));
    assert.equal(byName.get('cached-read, p99 ms at 50 connections')?.pass, true);
    assert.equal(byName.get('list-page, p99 ms at 50 connections')?.pass, false);
    assert.equal(byName.has('create, p99 ms at 50 connections'), false);
    assert.deepEqual(
      { value: byName.get('errors in all app scenarios')?.value, pass: byName.get('errors in all app scenarios')?.pass },
      { value: 3, pass: false },
    );
  });
});

describe('bench settings', () => {
  it('reads defaults, scenario lists and ports from one base', () => {
    const s = readSettings({ BENCH_PORT: '3200', DATABASE_POOL_SIZE: '7' }, ['--only', 'create,cached-read', '--profile', 'create']);
    assert.deepEqual([s.appPort, s.fastifyPort, s.jwksPort], [3200, 3201, 3202]);
    assert.equal(s.writeConnections, 7);
    assert.equal(s.readConnections, 50);
    assert.deepEqual(s.only, ['create', 'cached-read']);
    assert.equal(s.profile, 'create');
  });

  it('refuses an unknown scenario and a value out of range', () => {
    assert.throws(() => readSettings({}, ['--only', 'everything']), /unknown scenario everything/);
    assert.throws(() => readSettings({ BENCH_SECONDS: '0' }, []), /BENCH_SECONDS/);
    assert.throws(() => readSettings({ BENCH_PRODUCTS: 'many' }, []), /BENCH_PRODUCTS/);
  });
});

describe('profile summary', () => {
  it('counts busy samples once each, by function, by package and by app function including its callees', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 5] },
        { id: 2, callFrame: frame('(idle)', ''), children: [] },
        { id: 3, callFrame: frame('handle', 'file:///app/dist/src/products/handler.js'), children: [4] },
        { id: 4, callFrame: frame('findOneBy', 'file:///app/node_modules/typeorm/repository/Repository.js'), children: [] },
        { id: 5, callFrame: frame('writev', ''), children: [] },
      ],
      // The idle sample is left out; a long gap before a sample (timeDeltas) does not weigh it more.
      samples: [2, 3, 4, 4, 4, 5],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 900000],
    };
    const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
    const file = join(dir, 'test.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));

    const summary = summarizeProfile(file);
    assert.equal(summary.samples, 5);
    assert.deepEqual(
      summary.functions.map((f) => [f.functionName, f.samples]),
      [['findOneBy', 3], ['handle', 1], ['writev', 1]],
    );
    assert.equal(summary.owners[0]?.owner, 'typeorm');
    assert.equal(summary.owners[0]?.selfPercent, 60);
    assert.deepEqual(
      summary.appTotals.map((f) => [f.functionName, f.samples, f.location]),
      [['handle', 4, 'dist/src/products/handler.js:1']],
    );
    assert.equal(summary.writevPercent, 20);
  });
});
