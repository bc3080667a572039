// The server as its own process tree (`spaces serve`), for tests that kill it: kill -9 of the
// main process, a restart on the same data, SIGTERM. Everything it started is tracked, so a
// test can check that nothing outlives it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compiledServerMain } from '../../scripts/build-state.mjs';
import { descendantsOf } from './processes.js';
import { GENEROUS_LIMITS_ENV } from './server.js';

// The compiled server, as operators run it (npm test builds it first).
const MAIN = compiledServerMain(fileURLToPath(new URL('../..', import.meta.url)));
/** Every process of the server's tree (workers inherit NODE_OPTIONS) refuses development dependencies. */
const PRODUCTION_IMPORTS = `--import=${new URL('./production-imports.mjs', import.meta.url).href}`;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every line it printed (its JSON log). */
  output: string[];
  /** Every process of its tree: the main process, its workers, their ffmpegs. */
  tree(): number[];
  /** kill -9 of the main process; resolves once every process of its tree is gone. */
  kill9(): Promise<{ lingeringMs: number }>;
  /** SIGTERM, as an orchestrator stops it; resolves when the tree is gone. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  dataDir: string;
  port: number;
  mediaPort: number;
  databaseUrl?: string;
  mediaWorkers?: number;
  env?: Record<string, string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (pids.some(alive)) {
    if (Date.now() - start > timeoutMs) {
      const left = pids.filter(alive);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      throw new Error(`processes outlived the server: ${left.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

export async function spawnServer(o: ServerProcessOptions): Promise<ServerProcess> {
  const args = [MAIN, 'serve', '--host', '127.0.0.1', '--port', String(o.port), '--data-dir', o.dataDir, '--media-port', String(o.mediaPort)];
  args.push('--media-workers', String(o.mediaWorkers ?? 1));
  if (o.databaseUrl) args.push('--database-url', o.databaseUrl);
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      NODE_OPTIONS: PRODUCTION_IMPORTS,
      ...GENEROUS_LIMITS_ENV,
      SPACES_MEDIA_BIND_ADDRESS: '127.0.0.1',
      SPACES_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output.join('\n')}`)), 30_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const m = /Spaces is running: open (\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!.replace('localhost', '127.0.0.1'));
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output.join('\n')}`));
    });
  });
  const tree = () => [child.pid!, ...descendantsOf(child.pid!)];
  return {
    url,
    child,
    output,
    tree,
    async kill9() {
      const pids = tree();
      child.kill('SIGKILL');
      return { lingeringMs: await waitGone(pids, 15_000) };
    },
    async stop() {
      const pids = tree();
      child.kill('SIGTERM');
      await waitGone(pids, 20_000);
    },
  };
}
