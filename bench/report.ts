import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Figures } from './load.js';

export type ScenarioKey = 'cached-read' | 'uncached-read' | 'list-page' | 'create' | 'stock-adjustment';
export type BaselineKey = 'fastify-hello' | 'sql-create' | 'sql-stock-adjustment';

export interface Measured {
  title: string;
  /** Absent when it could not run on this branch; `note` says why. */
  figures?: Figures;
  note?: string;
  /** SQL statements sent per request (app, counted by bench/app-probe.ts) or per transaction (baseline), BEGIN/COMMIT included. */
  statementsPerRequest?: number;
  /** The distinct statements of a write, to check that the baseline does the app's work. */
  sql?: string[];
}

export interface ScenarioReport extends Measured {
  key: ScenarioKey;
  request: string;
  connections: number;
  baseline: BaselineKey;
  /** App figure / baseline figure: above 1 is better for rps, below 1 is better for latency. */
  ratio?: { rps: number; p50: number; p99: number };
  /** Largest RSS of the app seen while this scenario ran. */
  peakRssBytes?: number;
}

export interface Target {
  name: string;
  /** The measured figure, or null when it could not be measured (then `pass` is null too). */
  value: number | null;
  goal: string;
  pass: boolean | null;
}

export interface BenchReport {
  format: 1;
  startedAt: string;
  seconds: number;
  git: { commit: string; branch: string; dirty: boolean };
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  settings: Record<string, string | number | boolean | null>;
  database: string;
  scenarios: ScenarioReport[];
  baselines: Partial<Record<BaselineKey, Measured>>;
  targets: Target[];
  app: { peakRssBytes: number };
  profile?: { scenario: ScenarioKey; file: string; top: ProfileRow[] };
}

export interface ProfileRow {
  selfPercent: number;
  samples: number;
  functionName: string;
  location: string;
}

// ---- targets of issue 5 ------------------------------------------------------------------------------------------------

export function evaluateTargets(scenarios: ScenarioReport[], readConnections: number): Target[] {
  const byKey = new Map(scenarios.map((s) => [s.key, s]));
  const ratio = (key: ScenarioKey, min: number, name: string): Target => {
    const value = byKey.get(key)?.ratio?.rps ?? null;
    return { name, value, goal: `>= ${min.toFixed(2)}`, pass: value === null ? null : value >= min };
  };
  const targets = [
    ratio('cached-read', 0.6, 'cached read, req/s / bare Fastify'),
    ratio('uncached-read', 0.3, 'uncached read by id, req/s / bare Fastify'),
    ratio('create', 0.7, 'audited write (create), req/s / same SQL via pg'),
    ratio('stock-adjustment', 0.7, 'audited write (stock adjustment), req/s / same SQL via pg'),
  ];
  for (const s of scenarios.filter((s) => s.key.endsWith('read') || s.key === 'list-page')) {
    const value = s.figures?.p99 ?? null;
    targets.push({ name: `${s.title}, p99 ms at ${readConnections} connections`, value, goal: '< 20', pass: value === null ? null : value < 20 });
  }
  const measured = scenarios.filter((s) => s.figures);
  const errors = measured.reduce((sum, s) => sum + s.figures!.errors, 0);
  targets.push({ name: 'errors in all app scenarios', value: measured.length ? errors : null, goal: '= 0', pass: measured.length ? errors === 0 : null });
  return targets;
}

// ---- printing ----------------------------------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const x = (n: number) => n.toFixed(2);

function table(rows: string[][], rightAligned: (col: number) => boolean): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (rightAligned(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

export function printReport(report: BenchReport): void {
  const rows: string[][] = [
    ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'SQL/req', '|', 'baseline', 'req/s', 'p50 ms', 'p99 ms', 'SQL/req', '|', 'ratio req/s', 'p50', 'p99'],
  ];
  for (const s of report.scenarios) {
    const b = report.baselines[s.baseline];
    const f = s.figures;
    const bf = b?.figures;
    rows.push([
      s.title,
      String(s.connections),
      f ? int(f.rps) : 'n/a',
      f ? ms(f.p50) : '',
      f ? ms(f.p99) : '',
      f ? errorText(f) : '',
      s.statementsPerRequest !== undefined ? s.statementsPerRequest.toFixed(1) : '',
      '|',
      b?.title ?? s.baseline,
      bf ? int(bf.rps) : 'n/a',
      bf ? ms(bf.p50) : '',
      bf ? ms(bf.p99) : '',
      b?.statementsPerRequest !== undefined ? b.statementsPerRequest.toFixed(1) : '',
      '|',
      s.ratio ? x(s.ratio.rps) : '',
      s.ratio ? x(s.ratio.p50) : '',
      s.ratio ? x(s.ratio.p99) : '',
    ]);
  }
  console.log(`\n${table(rows, (c) => c !== 0 && c !== 8 && c !== 7 && c !== 13)}`);
  for (const s of report.scenarios) {
    if (s.note) console.log(`  ${s.title}: ${s.note}`);
    const b = report.baselines[s.baseline];
    if (b?.note && !b.figures) console.log(`  ${b.title}: ${b.note}`);
  }

  const cpuRows = report.scenarios.filter((s) => s.figures?.cpu?.serverMs !== undefined);
  if (cpuRows.length) {
    const cell = (n?: number) => (n === undefined ? '' : n.toFixed(3));
    const rows: string[][] = [['CPU ms per request', 'server', 'database', '|', 'baseline', 'server', 'database', '|', 'ratio server', 'total']];
    for (const s of cpuRows) {
      const a = s.figures!.cpu!;
      const b = report.baselines[s.baseline];
      const bc = b?.figures?.cpu;
      const total = (c?: { serverMs?: number; databaseMs?: number }) => (c?.serverMs ?? 0) + (c?.databaseMs ?? 0);
      rows.push([
        s.title,
        cell(a.serverMs),
        cell(a.databaseMs),
        '|',
        b?.title ?? '',
        cell(bc?.serverMs),
        cell(bc?.databaseMs),
        '|',
        bc?.serverMs ? x(a.serverMs! / bc.serverMs) : '',
        bc?.serverMs ? x(total(a) / total(bc)) : '',
      ]);
    }
    console.log(`\n${table(rows, (c) => ![0, 3, 4, 7].includes(c))}`);
    console.log('  (server: the app, Fastify, or the bench sending the SQL; database: the PostgreSQL backends serving it)');
  }

  console.log('\nTargets (issue 5)');
  console.log(
    table(
      report.targets.map((t) => [t.name, t.value === null ? 'n/a' : Number.isInteger(t.value) ? String(t.value) : x(t.value), t.goal, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS']),
      (c) => c === 1,
    ),
  );
  console.log(`\nApp peak memory (RSS high-water mark of the child): ${mb(report.app.peakRssBytes)}`);
  const perScenario = report.scenarios.filter((s) => s.peakRssBytes).map((s) => `${s.title} ${mb(s.peakRssBytes!)}`);
  if (perScenario.length) console.log(`  largest RSS seen during: ${perScenario.join(', ')}`);
}

function errorText(f: Figures): string {
  if (f.errors === 0) return '0';
  const codes = Object.entries(f.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${n}x${code}`);
  if (f.socketErrors) codes.push(`${f.socketErrors} socket`);
  return `${f.errors} (${codes.join(', ')})`;
}

export function printSql(report: BenchReport): void {
  for (const s of report.scenarios.filter((s) => s.sql?.length)) {
    const b = report.baselines[s.baseline];
    console.log(`\nSQL of "${s.title}" as the app sent it (distinct statements):`);
    for (const q of s.sql!) console.log(`  ${q}`);
    if (b?.sql) {
      console.log(`and as the baseline sends it:`);
      for (const q of ['BEGIN', ...b.sql, 'COMMIT']) console.log(`  ${q}`);
    }
  }
}

// ---- files and comparison ----------------------------------------------------------------------------------------------

export function writeReport(dir: string, report: BenchReport): string {
  const file = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/**
 * The report to compare with: the newest one in `dir` run with the same settings (so like for like), else the newest.
 */
export function previousReport(dir: string, current: BenchReport, exceptFile: string): { file: string; report: BenchReport } | null {
  const reports: { file: string; report: BenchReport }[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json') && join(dir, f) !== exceptFile).sort().reverse()) {
    try {
      const report = JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchReport;
      if (report.format === 1) reports.push({ file: f, report });
    } catch {
      // Not a report of this format: skip it.
    }
  }
  const same = (r: BenchReport) => JSON.stringify(r.settings) === JSON.stringify(current.settings) && r.database === current.database;
  return reports.find((r) => same(r.report)) ?? reports[0] ?? null;
}

export function printComparison(current: BenchReport, previous: BenchReport, previousFile: string): void {
  const pct = (now: number, before: number) => (before ? `${now >= before ? '+' : ''}${(((now - before) / before) * 100).toFixed(1)}%` : 'n/a');
  console.log(`\nCompared with ${previousFile} (${previous.git.commit.slice(0, 8)} on ${previous.git.branch}):`);
  const rows: string[][] = [['', 'req/s', 'delta', 'p99 ms', 'delta', 'ratio req/s', 'before']];
  for (const s of current.scenarios) {
    const p = previous.scenarios.find((q) => q.key === s.key);
    if (!s.figures || !p?.figures) {
      rows.push([s.title, s.figures ? int(s.figures.rps) : 'n/a', p?.figures ? '' : 'new', '', '', '', '']);
      continue;
    }
    rows.push([
      s.title,
      int(s.figures.rps),
      pct(s.figures.rps, p.figures.rps),
      ms(s.figures.p99),
      pct(s.figures.p99, p.figures.p99),
      s.ratio ? x(s.ratio.rps) : '',
      p.ratio ? x(p.ratio.rps) : '',
    ]);
  }
  for (const [key, b] of Object.entries(current.baselines) as [BaselineKey, Measured][]) {
    const p = previous.baselines[key];
    if (b.figures && p?.figures) {
      rows.push([`(baseline) ${b.title}`, int(b.figures.rps), pct(b.figures.rps, p.figures.rps), ms(b.figures.p99), pct(b.figures.p99, p.figures.p99), '', '']);
    }
  }
  rows.push(['app peak memory', mb(current.app.peakRssBytes), pct(current.app.peakRssBytes, previous.app.peakRssBytes), '', '', '', '']);
  console.log(table(rows, (c) => c !== 0));
  const changed = Object.keys(current.settings).filter((k) => JSON.stringify(current.settings[k]) !== JSON.stringify(previous.settings[k]));
  if (changed.length) console.log(`  Settings differ (${changed.join(', ')}): the figures are not like for like.`);
  if (previous.database !== current.database) console.log(`  Database differs: was ${previous.database}.`);
  console.log('  Compare ratios rather than raw req/s: the baselines absorb most of the machine\'s own variation.');
}
