/**
 * Where a V8 CPU profile (.cpuprofile, from `npm run bench -- --profile <scenario>` or `node --cpu-prof`) spends its
 * time: the functions with the most self time, and the same time summed by package (or app folder).
 * Usage: node dist/bench/profile-summary.js <file.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProfileRow } from './report.js';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  functions: ProfileRow[];
  owners: { owner: string; selfPercent: number }[];
}

export function summarizeProfile(file: string, rows = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;

  const byFunction = new Map<string, { us: number; functionName: string; location: string }>();
  const byOwner = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id);
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const location = url ? `${shortPath(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}@${location}`;
    const entry = byFunction.get(key) ?? { us: 0, functionName: functionName || '(anonymous)', location };
    entry.us += us;
    byFunction.set(key, entry);
    const owner = ownerOf(url, functionName);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  }
  const functions = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, rows)
    .map((e) => ({ selfPercent: (e.us / total) * 100, selfMs: e.us / 1000, functionName: e.functionName, location: e.location }));
  const owners = [...byOwner.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([owner, us]) => ({ owner, selfPercent: (us / total) * 100 }));
  return { totalMs: total / 1000, functions, owners };
}

export function printProfileSummary(summary: ProfileSummary): void {
  console.log(`\nCPU profile: ${(summary.totalMs / 1000).toFixed(1)} s sampled. Top self time by function:`);
  for (const f of summary.functions) {
    console.log(`  ${f.selfPercent.toFixed(1).padStart(5)}%  ${f.functionName.padEnd(40)} ${f.location}`);
  }
  console.log('Self time by package (node_modules) or app folder:');
  for (const o of summary.owners) console.log(`  ${o.selfPercent.toFixed(1).padStart(5)}%  ${o.owner}`);
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
