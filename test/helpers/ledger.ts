// What the server acknowledged, kept by the clients: for chaos tests that kill things while
// actions are in flight and then check that nothing acknowledged was lost. Each key (one
// person's request, mute, role; a Space setting) is changed by one actor only, one action at
// a time, so after a crash its value must be the last acknowledged one, or the one that was
// in flight (sent, never answered: the server may or may not have stored it).
import { SignallingError } from '../../src/sdk/signalling.js';

interface Entry {
  acked: unknown;
  pending: unknown;
  hasPending: boolean;
}

export class Ledger {
  private readonly entries = new Map<string, Entry>();
  /** Comment texts the server acknowledged, and those in flight. */
  readonly ackedComments = new Set<string>();
  private readonly pendingComments = new Set<string>();
  acks = 0;
  refusals = 0;
  private stopped = false;

  /** Starts a key at a known value (what the setup made). */
  know(key: string, value: unknown): void {
    this.entries.set(key, { acked: value, pending: undefined, hasPending: false });
  }

  /**
   * Sends an action that sets `key` to `value`. Acknowledged: it is the value. Refused by the
   * server (it checked and said no): nothing changed. No answer (the server died): unknown.
   */
  async set(key: string, value: unknown, send: () => Promise<void>): Promise<void> {
    const e = this.entries.get(key) ?? { acked: undefined, pending: undefined, hasPending: false };
    this.entries.set(key, e);
    e.pending = value;
    e.hasPending = true;
    try {
      await send();
      if (this.stopped) return; // answered after the crash was declared: counted as unknown
      e.acked = value;
      e.hasPending = false;
      this.acks++;
    } catch (err) {
      if (err instanceof SignallingError && err.code !== 'closed' && err.code !== 'timeout') {
        e.hasPending = false;
        this.refusals++;
      }
    }
  }

  async comment(text: string, send: () => Promise<void>): Promise<void> {
    this.pendingComments.add(text);
    try {
      await send();
      if (this.stopped) return;
      this.pendingComments.delete(text);
      this.ackedComments.add(text);
      this.acks++;
    } catch (err) {
      if (err instanceof SignallingError && err.code !== 'closed' && err.code !== 'timeout') {
        this.pendingComments.delete(text);
        this.refusals++;
      }
    }
  }

  /** From now on, answers no longer count: what is in flight stays unknown. */
  stop(): void {
    this.stopped = true;
  }

  /** The values `key` may have after a crash. */
  allowed(key: string): unknown[] {
    const e = this.entries.get(key);
    if (!e) return [];
    return e.hasPending ? [e.acked, e.pending] : [e.acked];
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}

/** Runs `step` again and again until `until` says stop; each step awaits its own answer. */
export async function loop(until: () => boolean, step: (n: number) => Promise<void>, pauseMs = 0): Promise<void> {
  for (let n = 0; !until(); n++) {
    await step(n);
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
}
