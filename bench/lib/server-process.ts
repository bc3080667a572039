// Runs the server as its own process for benchmarks, so its CPU is measured apart from the
// load generator's.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledServerMain } from '../../scripts/build-state.mjs';

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function startServerProcess(extraArgs: string[] = []): Promise<ServerProcess> {
  const port = 20000 + Math.floor(Math.random() * 10000);
  const mediaPort = 41000 + Math.floor(Math.random() * 8000);
  const dataDir = mkdtempSync(join(tmpdir(), 'spaces-bench-'));
  const child = spawn(
    process.execPath,
    [
      compiledServerMain(ROOT),
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--media-port',
      String(mediaPort),
      '--media-bind',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      ...extraArgs,
    ],
    // The load comes from this one address: the per-address limits must not be what is measured.
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SPACES_LOG_LEVEL: 'warn',
        SPACES_SOCKETS_PER_ADDRESS: '1000000',
        SPACES_SIGNUPS_PER_HOUR: '1000000',
        SPACES_SIGNIN_PER_MINUTE: '1000000',
        SPACES_SPACES_PER_HOUR: '1000000',
        SPACES_LIVE_SPACES_PER_ACCOUNT: '100000',
        SPACES_RECORDINGS_PER_ACCOUNT: '100000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
