// The child side of a supervised worker: it waits for its settings (the first IPC message,
// checked against a schema), starts the worker's service, says it is ready, then hands it
// each command after checking it too. Its logger writes pino lines over IPC, so they land in
// the main process's log. A command that throws is logged and does not take the process
// down; an uncaught error does (after logging it), and the supervisor starts a fresh one.
import { pino, type Logger } from 'pino';
import type { ZodType } from 'zod';

export interface WorkerService<Command> {
  handle(command: Command): void;
  close(): Promise<void> | void;
}

export interface WorkerDefinition<Init extends { logLevel: string; name: string }, Command, Ready> {
  init: ZodType<Init>;
  commands: ZodType<Command>;
  /** Builds the service from the settings; resolves with the ready message's contents. */
  start(init: Init, log: Logger, send: (event: object) => void): Promise<{ service: WorkerService<Command>; ready: Ready }>;
}

/** With a callback, a send to a parent that has gone away reports to it instead of throwing. */
export function sendToParent(event: object): void {
  if (process.connected) process.send?.(event, undefined, undefined, () => undefined);
}

/** A pino logger whose lines go to the main process over IPC. */
export function ipcLogger(level: string, bindings: Record<string, unknown>): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } }, { write: (line: string) => sendToParent({ ev: 'log', line }) });
}

export function runWorker<Init extends { logLevel: string; name: string }, Command, Ready extends object>(
  definition: WorkerDefinition<Init, Command, Ready>,
): void {
  let log = ipcLogger('info', { worker: 'starting' });
  let service: WorkerService<Command> | null = null;
  let exiting = false;

  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    // Let the last log line (the reason) reach the parent before going.
    if (process.connected) process.send?.({ ev: 'log', line: '' }, undefined, undefined, () => process.exit(code));
    else process.exit(code);
    setTimeout(() => process.exit(code), 500).unref();
  };
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'worker failed');
    exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'worker failed (unhandled rejection)');
    exit(1);
  });
  // A terminal's Ctrl-C reaches the whole process group: the parent decides when we stop (it
  // lets encoders write their last segments first), and if it dies we hear it as a disconnect.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  // The parent went away or asked us to stop: close what we hold and go.
  process.on('disconnect', () => {
    void Promise.resolve(service?.close())
      .catch((err) => log.error({ err }, 'closing the worker failed'))
      .finally(() => process.exit(0));
  });

  let starting = false;
  process.on('message', (raw: unknown) => {
    if (!service) {
      if (starting) return log.warn('a command arrived before the worker was ready: dropped');
      const init = definition.init.safeParse(raw);
      if (!init.success) {
        log.fatal({ issue: init.error.issues[0] }, 'invalid worker settings');
        return exit(2);
      }
      starting = true;
      log = ipcLogger(init.data.logLevel, { worker: init.data.name });
      definition.start(init.data, log, sendToParent).then(
        (started) => {
          service = started.service;
          sendToParent({ ev: 'ready', ...started.ready });
        },
        (err: Error) => {
          log.fatal({ err }, 'worker could not start');
          exit(2);
        },
      );
      return;
    }
    const command = definition.commands.safeParse(raw);
    if (!command.success) {
      log.warn({ issue: command.error.issues[0]?.message }, 'ignoring a malformed command');
      return;
    }
    try {
      service.handle(command.data);
    } catch (err) {
      // A bad command must not take the worker (and everything it serves) down.
      log.error({ err }, 'a command failed');
    }
  });
}
