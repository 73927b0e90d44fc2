/**
 * Where a V8 CPU profile (.cpuprofile, from `npm run bench -- --profile <scenario>` or `node --cpu-prof`) spends its
 * time: the functions with the most self time, and the same time summed by package (or app folder).
 * Usage: node dist/bench/profile-summary.js <file.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProfileRow } from './report.js';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Samples taken while the thread was not idle. */
  samples: number;
  functions: ProfileRow[];
  owners: { owner: string; selfPercent: number }[];
  /** The app's own functions (dist/src) by total time: their self time and that of everything they call synchronously. */
  appTotals: ProfileRow[];
  /** Share of writev: on a busy machine, mostly time spent waiting for a CPU after waking a peer (see printProfileSummary). */
  writevPercent: number;
}

/**
 * Weighs each sample once rather than by the time since the previous one: on a machine whose CPUs are all busy, a
 * process that waits for a CPU is sampled once when it runs again, and weighing by time would charge all of that wait
 * to whatever it was doing (usually a socket write that woke the peer). Idle samples are left out.
 */
export function summarizeProfile(file: string, rows = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  for (const id of profile.samples) {
    if (byId.get(id)?.callFrame.functionName !== '(idle)') hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const total = [...hits.values()].reduce((a, b) => a + b, 0) || 1;
  const percent = (n: number) => (n / total) * 100;

  const byFunction = new Map<string, ProfileRow>();
  const byOwner = new Map<string, number>();
  let writev = 0;
  for (const node of profile.nodes) {
    const n = hits.get(node.id);
    if (!n) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === 'writev') writev += n;
    const location = url ? `${shortPath(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}@${location}`;
    const row = byFunction.get(key) ?? { selfPercent: 0, samples: 0, functionName: functionName || '(anonymous)', location };
    row.samples += n;
    row.selfPercent = percent(row.samples);
    byFunction.set(key, row);
    const owner = ownerOf(url, functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + n);
  }
  const functions = [...byFunction.values()].sort((a, b) => b.samples - a.samples).slice(0, rows);
  const owners = [...byOwner.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([owner, n]) => ({ owner, selfPercent: percent(n) }));
  return { samples: total, functions, owners, appTotals: appTotals(profile, hits, total, rows), writevPercent: percent(writev) };
}

function appTotals(profile: CpuProfile, hits: Map<number, number>, total: number, rows: number): ProfileRow[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<number, number>();
  // Children always have higher ids than their parent in V8 profiles, so one pass from the end sums the subtrees.
  for (const node of [...profile.nodes].sort((a, b) => b.id - a.id)) {
    const sum = (hits.get(node.id) ?? 0) + (node.children ?? []).reduce((acc, c) => acc + (inclusive.get(c) ?? 0), 0);
    inclusive.set(node.id, sum);
  }
  const byFunction = new Map<string, ProfileRow>();
  for (const [id, n] of inclusive) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (!n || !url.includes('/dist/src/')) continue;
    const location = `${shortPath(url)}:${lineNumber + 1}`;
    const key = `${functionName}@${location}`;
    const row = byFunction.get(key) ?? { selfPercent: 0, samples: 0, functionName: functionName || '(anonymous)', location };
    row.samples += n;
    row.selfPercent = (row.samples / total) * 100;
    byFunction.set(key, row);
  }
  return [...byFunction.values()].sort((a, b) => b.samples - a.samples).slice(0, rows);
}

export function printProfileSummary(summary: ProfileSummary): void {
  console.log(`\nCPU profile: ${summary.samples.toLocaleString('en-US')} busy samples. Top self time by function (% of samples):`);
  for (const f of summary.functions) {
    console.log(`  ${f.selfPercent.toFixed(1).padStart(5)}%  ${f.functionName.padEnd(40)} ${f.location}`);
  }
  console.log('Self time by package (node_modules) or app folder:');
  for (const o of summary.owners) console.log(`  ${o.selfPercent.toFixed(1).padStart(5)}%  ${o.owner}`);
  console.log('App functions by total time (their own and what they call before their first await):');
  for (const f of summary.appTotals) console.log(`  ${f.selfPercent.toFixed(1).padStart(5)}%  ${f.functionName.padEnd(40)} ${f.location}`);
  if (summary.writevPercent > 10) {
    console.log(
      `Note: ${summary.writevPercent.toFixed(0)}% in writev (socket writes). When every CPU is busy, waking the peer (PostgreSQL, the load ` +
        'generator) hands it the CPU, and this process is sampled in writev when it gets one back: compare the other rows with each other.',
    );
  }
}

function shortPath(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist >= 0 ? path.slice(dist + 1) : path;
}

/** The package (`@scope/name`), the app folder (`app: src/http`) or the runtime part that owns a frame. */
function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node core';
  const path = shortPath(url);
  if (path.startsWith('dist/')) return `app: ${path.split('/').slice(1, -1).join('/')}`;
  const parts = path.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, rows] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node dist/bench/profile-summary.js <file.cpuprofile> [rows]');
    process.exit(2);
  }
  printProfileSummary(summarizeProfile(file, rows ? Number(rows) : 25));
}
