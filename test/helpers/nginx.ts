// Runs Debian's nginx for a test with docs/deploy/nginx.conf, the deployment template itself,
// rendered for this run: a free loopback port, cache and logs in a temp dir, our own pid
// file. Nothing is shared with a system nginx (Debian's package may start one on port 80).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const NGINX_TEMPLATE = new URL('../../docs/deploy/nginx.conf', import.meta.url).pathname;

/** The template's variables (documented in the file and in docs/deploy/README.md). */
export interface NginxVars {
  SPACES_ORIGIN: string;
  SPACES_PROXY_LISTEN: string;
  SPACES_PROXY_CACHE_DIR: string;
  SPACES_PROXY_LOG_DIR: string;
}

export interface RunningNginx {
  url: string;
  port: number;
  dir: string;
  accessLog: string;
  /** Graceful stop (SIGQUIT: workers finish, logs are flushed), then removes the temp dir unless kept. */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
  /** What nginx printed (errors and warnings). */
  output(): string;
}

export interface AccessLogEntry {
  method: string;
  uri: string;
  status: number;
  /** $upstream_cache_status: HIT, MISS, EXPIRED, UPDATING, STALE, REVALIDATED, BYPASS or "-". */
  cache: string;
  /** True when the request reached the origin ($upstream_addr set). */
  toOrigin: boolean;
}

export function nginxAvailable(): boolean {
  return existsSync(NGINX_BIN);
}

/** Like `envsubst '${A} ${B}'`: only the named variables, so nginx's own $variables stay. */
export function renderNginxConf(template: string, vars: NginxVars): string {
  let out = template;
  for (const [name, value] of Object.entries(vars)) out = out.replaceAll('${' + name + '}', value);
  const left = out.match(/\$\{[A-Z_]+\}/);
  if (left) throw new Error(`nginx template variable ${left[0]} was not given a value`);
  return out;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts nginx in front of `origin` (host:port), or of every node of a cluster (the template's
 * upstream then lists each, and nginx spreads requests over them round-robin), and resolves
 * once it answers HTTP.
 */
export async function startNginx(origins: string | readonly string[]): Promise<RunningNginx> {
  const all = typeof origins === 'string' ? [origins] : [...origins];
  if (!nginxAvailable()) throw new Error(`${NGINX_BIN} not found (apt-get install nginx-light)`);
  // The port is free when we look and nginx binds it a moment later; another process can
  // take it in between, so a start that fails on the bind is retried on a new port.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(all, await freeLoopbackPort());
    } catch (err) {
      lastError = err;
      if (!/Address already in use/.test(String(err))) break;
    }
  }
  throw lastError;
}

async function startOnce(origins: readonly string[], port: number): Promise<RunningNginx> {
  const origin = origins[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'spaces-nginx-'));
  // Run as root, nginx's workers are www-data (the template's `user`): they must be able to
  // reach the cache under this directory, which mkdtemp makes owner-only.
  chmodSync(dir, 0o755);
  const cacheDir = join(dir, 'cache');
  const logDir = join(dir, 'logs');
  // nginx creates only the last component of its cache and temp paths.
  mkdirSync(cacheDir, { mode: 0o755 });
  mkdirSync(logDir, { mode: 0o755 });
  const conf = join(dir, 'nginx.conf');
  const vars: NginxVars = {
    SPACES_ORIGIN: origin,
    SPACES_PROXY_LISTEN: `127.0.0.1:${port}`,
    SPACES_PROXY_CACHE_DIR: cacheDir,
    SPACES_PROXY_LOG_DIR: logDir,
  };
  // The upstream's `server ${SPACES_ORIGIN};` line, once per node (the variable also appears
  // in a comment, which must stay one line).
  const rendered = renderNginxConf(readFileSync(NGINX_TEMPLATE, 'utf8'), vars).replace(
    `server ${origin};`,
    origins.map((o) => `server ${o};`).join('\n        '),
  );
  writeFileSync(conf, rendered);

  const child = spawn(NGINX_BIN, ['-p', `${dir}/`, '-c', conf, '-g', `daemon off; pid ${dir}/nginx.pid; error_log stderr;`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A test process that dies without calling stop() must not leave nginx behind. SIGTERM,
  // not SIGKILL: the master then takes its workers down with it.
  const onExit = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', onExit);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  let ready = false;
  while (!ready && Date.now() < deadline && child.exitCode === null) {
    try {
      // Any HTTP answer means nginx is serving; the origin behind it may still say 404.
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      ready = true;
    } catch {
      await sleep(50);
    }
  }
  if (!ready) {
    await stopChild(child, exited);
    process.removeListener('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start:\n${output}`);
  }

  return {
    url,
    port,
    dir,
    accessLog: join(logDir, 'access.log'),
    output: () => output,
    async stop(opts = {}) {
      await stopChild(child, exited);
      process.removeListener('exit', onExit);
      if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGQUIT is nginx's graceful shutdown (flushes buffered access logs); SIGTERM is fast.
  child.kill('SIGQUIT');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
  if (!timedOut) return;
  child.kill('SIGTERM');
  const stillUp = await Promise.race([exited.then(() => false), sleep(3000).then(() => true)]);
  if (stillUp) child.kill('SIGKILL');
}

/**
 * Parses the access log written with the template's `spaces_cache` format. Read it after
 * stop(): nginx buffers the log for up to a second.
 */
export function readAccessLog(path: string): AccessLogEntry[] {
  if (!existsSync(path)) return [];
  const entries: AccessLogEntry[] = [];
  const line = /"(\S+) (\S+) [^"]*" (\d{3}) \d+ cache=(\S+) upstream=(\S+)/;
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    const m = line.exec(text);
    if (!m) continue;
    entries.push({ method: m[1]!, uri: m[2]!, status: Number(m[3]), cache: m[4]!, toOrigin: m[5] !== '-' });
  }
  return entries;
}
