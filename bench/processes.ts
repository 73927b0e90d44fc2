import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeCommand, ProbeReply } from './probe-protocol.js';

/**
 * Everything the bench starts registers how to stop it here; `cleanUp()` stops it all, newest first, on success, on
 * an error and on Ctrl-C. Each step is bounded, so a stuck process cannot keep the bench from exiting.
 */
const cleanups: { name: string; stop: () => Promise<void> }[] = [];

export function onCleanup(name: string, stop: () => Promise<void>): void {
  cleanups.push({ name, stop });
}

export async function cleanUp(): Promise<void> {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) {
    const timeout = sleep(30_000, undefined, { ref: false }).then(() => {
      throw new Error('timed out');
    });
    await Promise.race([step.stop(), timeout]).catch((e: Error) => console.error(`Stopping ${step.name} failed: ${e.message}`));
  }
}

let signalled = false;
/** True once Ctrl-C or SIGTERM arrived: what fails after that is the stopping, not the bench. */
export const interrupted = () => signalled;

/** Ctrl-C / SIGTERM: stop what we started, then exit 128+n. A second signal exits at once. */
export function installSignalHandlers(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(code);
      signalled = true;
      console.error(`\n${signal}: stopping everything the bench started...`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
}

export interface NodeChild {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  exited: Promise<number | string>;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** A request to bench/app-probe.ts over IPC (only for children started with it). */
  probe(request: ProbeCommand): Promise<ProbeReply>;
}

/** A node process with its output in `logFile` (so it costs the bench nothing to drain) and an IPC channel. */
export function spawnNode(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): NodeChild {
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log, 'ipc'] });
  closeSync(log);
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  const pending = new Map<number, (reply: ProbeReply) => void>();
  let nextId = 1;
  child.on('message', (reply: ProbeReply) => pending.get(reply.id)?.(reply));
  child.on('error', (e) => console.error(`${name}: ${e.message}`));

  const running = () => child.exitCode === null && child.signalCode === null;
  const node: NodeChild = {
    name,
    process: child,
    exited,
    logFile,
    async stop(graceMs = 15_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), sleep(graceMs, undefined, { ref: false }).then(() => false)]);
      if (!gone) {
        console.error(`${name} did not stop within ${graceMs} ms: SIGKILL`);
        child.kill('SIGKILL');
        await Promise.race([exited, sleep(5_000, undefined, { ref: false })]);
      }
    },
    probe(request) {
      const id = nextId++;
      return new Promise<ProbeReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name} did not answer ${request.cmd}`));
        }, 60_000);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          pending.delete(id);
          if (reply.error) reject(new Error(`${name}: ${reply.error}`));
          else resolve(reply);
        });
        child.send({ ...request, id });
      });
    },
  };
  onCleanup(name, () => node.stop());
  return node;
}

/** Polls `url` until it answers 2xx; fails early, with the log's tail, if the child exits first. */
export async function waitUntilReady(child: NodeChild, url: string, timeoutMs = 60_000): Promise<void> {
  let exitedWith: number | string | undefined;
  void child.exited.then((code) => (exitedWith = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) throw new Error(`${child.name} exited (${exitedWith}) before it was ready:\n${tail(child.logFile)}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms:\n${tail(child.logFile)}`);
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Peak resident memory of a process, sampled every 250 ms: `VmHWM` is the kernel's own high-water mark since the
 * process started, `VmRSS` the current size (so its peak is that of the watched period). Without /proc, `ps`.
 * Call `stop()` before the process exits to keep the last figure.
 */
export function watchMemory(pid: number, field: 'VmHWM' | 'VmRSS'): { peakBytes(): number; stop(): void } {
  let peak = 0;
  const sample = () => {
    const kb = readStatusKb(pid, field) ?? psRssKb(pid);
    if (kb !== undefined) peak = Math.max(peak, kb * 1024);
  };
  const timer = setInterval(sample, 250);
  timer.unref();
  return {
    peakBytes: () => peak,
    stop: () => (sample(), clearInterval(timer)),
  };
}

function readStatusKb(pid: number, field: string): number | undefined {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

let psMissing = false;
function psRssKb(pid: number): number | undefined {
  if (psMissing) return undefined;
  try {
    // Synchronous but rare: only on systems without /proc (macOS), four times a second.
    const out = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8', timeout: 2_000 });
    const kb = Number.parseInt(out.trim(), 10);
    return Number.isFinite(kb) ? kb : undefined;
  } catch {
    psMissing = true;
    return undefined;
  }
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 2_000 }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds (user + system) used so far by these processes, from /proc; undefined where there is no /proc or a
 * process cannot be read (another host's database). CPU per request is the figure a busy machine disturbs least.
 */
export function cpuSeconds(pids: number[]): number | undefined {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after "(comm)": state is field 3, utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return undefined;
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Fails at once, naming the port and the setting to change, rather than after the app has started. */
export async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    const free = await new Promise<boolean>((done) => {
      const probe = createServer();
      probe.once('error', () => done(false));
      probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => done(true)));
    });
    if (!free) throw new Error(`Port ${port} on 127.0.0.1 is in use: choose other ports with BENCH_PORT (it uses BENCH_PORT to BENCH_PORT+2).`);
  }
}
