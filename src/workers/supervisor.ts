// Runs one worker process and keeps it running: forks its entry, sends it its settings as
// the first message (checked by the worker), waits for it to say it is ready, and after an
// unexpected exit starts it again with backoff. Every message from the worker is checked
// against the worker's event schema before anyone sees it. The worker's log lines arrive
// over IPC and are written into this process's log, so one JSON log holds every process;
// anything it prints on stdout or stderr (a native library's abort message) is logged too.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { pino, type Logger } from 'pino';
import { z, type ZodType } from 'zod';
import { TokenBucket } from '../app/token-bucket.js';

export interface WorkerSpec<Init, Event extends { ev: string }> {
  /** For logs and metrics, e.g. 'media-0' or 'codec'. */
  name: string;
  /** The module the process runs. */
  entry: string;
  /** The first message of every start: the worker's settings. */
  init(): Init;
  /** Everything the worker may send besides its log lines; `{ev: 'ready'}` is one of them. */
  events: ZodType<Event>;
  /** From fork to ready; a worker that takes longer is killed and counted as a failed start. */
  startTimeoutMs?: number;
}

export interface SupervisorEvents<Event> {
  /** The process (first start or a restart) is ready: `ready` is its ready message. */
  up: [ready: Event];
  /** The process exited without being asked to; a restart is scheduled. */
  down: [code: number | null, signal: string | null];
  /** Any other message from the worker. */
  event: [event: Event];
}

/** Delays before restart attempts; back to the first once a process has stayed up a while. */
const RESTART_DELAYS_MS = [100, 500, 1000, 2000, 5000, 10_000];
/** A worker that ran this long before it died was not crash-looping: the next restart is quick. */
const STABLE_AFTER_MS = 10_000;
const LOG_LINES_PER_SECOND = 200;
const LOG_BURST = 2000;
const MAX_LOG_LINE = 16 * 1024;

const logLine = z.object({ ev: z.literal('log'), line: z.string().max(MAX_LOG_LINE) });

/**
 * A compiled entry runs on plain node; a TypeScript one (tests and development run the
 * sources) through tsx, as the main process does.
 */
function execArgvFor(entry: string): string[] {
  return entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
}

export class Supervisor<Command, Event extends { ev: string }> extends EventEmitter<SupervisorEvents<Event>> {
  private child: ChildProcess | null = null;
  private ready = false;
  private closing = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private upSince = 0;
  /** Restarts after an unexpected exit (not counting the first start). */
  restarts = 0;
  private readonly logBudget = new TokenBucket(LOG_LINES_PER_SECOND, LOG_BURST);
  private droppedLogLines = 0;
  private readonly out: { write(line: string): unknown };

  constructor(
    private readonly spec: WorkerSpec<unknown, Event>,
    private readonly log: Logger,
  ) {
    super();
    this.out = (log as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym]!;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Whether the process is running and has said it is ready. */
  get up(): boolean {
    return this.ready;
  }

  /** The process id of the running worker (tests kill it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the worker; resolves with its ready message, rejects if this first start fails. */
  start(): Promise<Event> {
    return new Promise((resolve, reject) => {
      const onUp = (ready: Event) => {
        this.off('down', onDown);
        resolve(ready);
      };
      const onDown = (code: number | null, signal: string | null) => {
        this.off('up', onUp);
        this.stopRestarting();
        reject(new Error(`${this.spec.name} did not start (exit ${code ?? signal})`));
      };
      this.once('up', onUp);
      this.once('down', onDown);
      this.spawn();
    });
  }

  send(command: Command): boolean {
    const child = this.child;
    if (!child?.connected || !this.ready) return false;
    // With a callback, a send to a process that just died reports to it instead of throwing.
    child.send(command as object, undefined, undefined, () => undefined);
    return true;
  }

  /** Asks the worker to exit (it closes on disconnect) and waits; kills it after 3 s. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopRestarting();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  }

  private spawn(): void {
    this.ready = false;
    const child = fork(this.spec.entry, [], { execArgv: execArgvFor(this.spec.entry), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    const log = this.log.child({ worker: this.spec.name, workerPid: child.pid });
    this.captureOutput(child, log);
    const timer = setTimeout(() => {
      log.error({ timeoutMs: this.spec.startTimeoutMs ?? 20_000 }, 'worker did not become ready: killing it');
      child.kill('SIGKILL');
    }, this.spec.startTimeoutMs ?? 20_000);
    timer.unref();
    child.on('message', (raw: unknown) => {
      if (this.child !== child) return;
      const line = logLine.safeParse(raw);
      // (An empty line is the worker's last message before it exits: it only flushes the channel.)
      if (line.success) return line.data.line.length > 0 ? this.writeLog(line.data.line, log) : undefined;
      const parsed = this.spec.events.safeParse(raw);
      if (!parsed.success) {
        log.warn({ issue: parsed.error.issues[0]?.message }, 'ignoring a malformed message from a worker');
        return;
      }
      if (parsed.data.ev === 'ready') {
        clearTimeout(timer);
        this.ready = true;
        this.upSince = Date.now();
        log.info({ restarts: this.restarts }, 'worker ready');
        this.emit('up', parsed.data);
        return;
      }
      this.emit('event', parsed.data);
    });
    child.on('error', (err) => log.error({ err }, 'worker process error'));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (this.child === child) this.child = null;
      const wasReady = this.ready;
      this.ready = false;
      if (this.closing) return;
      log.error({ code, signal, wasReady }, 'worker exited unexpectedly');
      if (wasReady && Date.now() - this.upSince > STABLE_AFTER_MS) this.failures = 0;
      const delay = RESTART_DELAYS_MS[Math.min(this.failures++, RESTART_DELAYS_MS.length - 1)]!;
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.closing) return;
        this.restarts++;
        this.spawn();
      }, delay);
      this.restartTimer.unref();
      this.emit('down', code, signal);
    });
    child.send(this.spec.init() as object, undefined, undefined, () => undefined);
  }

  private stopRestarting(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  /** A worker's own pino line, written as it is (it carries the worker's name). */
  private writeLog(line: string, log: Logger): void {
    if (!this.logBudget.take()) {
      if (this.droppedLogLines++ === 0) log.warn('worker logs too fast: dropping lines');
      return;
    }
    if (this.droppedLogLines > 0) {
      log.warn({ dropped: this.droppedLogLines }, 'worker log lines were dropped');
      this.droppedLogLines = 0;
    }
    this.out.write(line.endsWith('\n') ? line : `${line}\n`);
  }

  /** Text on the worker's stdout or stderr (not ours: a library's, or a native crash) becomes log lines. */
  private captureOutput(child: ChildProcess, log: Logger): void {
    for (const [stream, level] of [
      [child.stdout, 'info'],
      [child.stderr, 'warn'],
    ] as const) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
        if (text.length === 0 || !this.logBudget.take()) return;
        log[level]({ output: text.slice(0, 2000) }, stream === child.stderr ? 'worker stderr' : 'worker stdout');
      });
    }
  }
}
