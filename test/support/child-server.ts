import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../src/config/app-config.js';

export interface ChildServer {
  baseUrl: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then waits for the exit (a graceful close: flushes, pool, logs). */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * The built server (dist/src/main.js) in its own process, on DATABASE_URL: a second instance that shares nothing
 * in memory with the test process (two apps in one process share passport's strategy registry), and whose log
 * output is captured exactly as an operator would see it.
 */
export async function startChildServer(env: Partial<Env> = {}): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cqrs-child-')),
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + 60_000;
  while (!output.includes('Listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the child server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { baseUrl: `http://127.0.0.1:${port}`, output: () => output, stop };
}
