// An interop client run as its own process (a Python script on GStreamer or aiortc): its
// stdout read as JSON lines, its stderr kept for failure messages, and a stop that cannot
// hang (SIGINT, as a person's ctrl-C, then SIGKILL).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Debian's python: the python3 on PATH may be another one, without aiortc or GStreamer's bindings. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface ExternalClient {
  child: ChildProcess;
  /** Every JSON line it printed, in order. */
  events: Array<Record<string, unknown>>;
  /** The exit code, or the signal's name; null while it runs. */
  exit: number | string | null;
  /** The last lines of its stderr and its non-JSON stdout, for an assertion message. */
  tail(lines?: number): string;
  /** SIGINT, then SIGKILL if it still runs after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<void>;
}

export function startExternalClient(command: string, args: string[]): ExternalClient {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const other: string[] = [];
  const client: ExternalClient = {
    child,
    events: [],
    exit: null,
    tail: (lines = 30) => other.slice(-lines).join('\n'),
    async stop(graceMs = 5000) {
      if (client.exit !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await client.exited;
      clearTimeout(timer);
    },
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        client.exit = code ?? signal ?? 'unknown';
        resolve();
      });
      child.once('error', (err) => {
        other.push(String(err));
        client.exit = 'spawn failed';
        resolve();
      });
    }),
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      client.events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      other.push(line);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => other.push(line));
  return client;
}

/**
 * Fails loudly when Debian's python cannot run `check` (imports, element lookups) for a client:
 * a Debian package CI should install is missing.
 */
export function requirePython(check: string, debianPackages: string): void {
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', check], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(
      `${DEBIAN_PYTHON} fails "${check}": install the Debian packages ${debianPackages} (see .ci/run)\n${String((err as { stderr?: Buffer }).stderr ?? err)}`,
    );
  }
}
