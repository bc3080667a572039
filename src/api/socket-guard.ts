// Bounds on the WebSocket endpoint, for sockets nobody should be able to hold for free: a
// number of open sockets per address (refused with 429 before the upgrade), a deadline to
// join a Space (closed with 4008), and a heartbeat (a socket that answers no ping for the
// idle timeout is terminated). It also knows whose sockets are whose, so that "sign out
// everywhere" closes an account's connections at once (4003).
import type { WebSocket } from 'ws';

/** Close codes the server uses beyond the standard ones (the SDK treats 4003 as final). */
export const CLOSE_JOIN_TIMEOUT = 4008;
export const CLOSE_SIGNED_OUT = 4003;

export interface SocketGuardOptions {
  socketsPerAddress: number;
  joinTimeoutMs: number;
  idleTimeoutMs: number;
}

interface Tracked {
  address: string;
  userId: string | null;
  alive: boolean;
  joinTimer: ReturnType<typeof setTimeout> | null;
}

export class SocketGuard {
  private readonly perAddress = new Map<string, number>();
  private readonly sockets = new Map<WebSocket, Tracked>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  /** Sockets closed by this guard, by reason, for the metrics. */
  readonly closed = { joinTimeout: 0, idle: 0, refused: 0 };

  constructor(private readonly options: SocketGuardOptions) {
    // Half the idle timeout: a socket gets two pings, and is dropped when it answered neither.
    this.heartbeat = setInterval(() => this.beat(), Math.max(250, options.idleTimeoutMs / 2));
    this.heartbeat.unref();
  }

  /** Whether another socket from this address may open now (checked before the upgrade). */
  admits(address: string): boolean {
    const ok = (this.perAddress.get(address) ?? 0) < this.options.socketsPerAddress;
    if (!ok) this.closed.refused++;
    return ok;
  }

  /** A new socket: counted for its address, and closed if it has not joined by the deadline. */
  track(socket: WebSocket, address: string): void {
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    const tracked: Tracked = { address, userId: null, alive: true, joinTimer: null };
    tracked.joinTimer = setTimeout(() => {
      tracked.joinTimer = null;
      this.closed.joinTimeout++;
      socket.close(CLOSE_JOIN_TIMEOUT, 'join a Space first');
    }, this.options.joinTimeoutMs);
    tracked.joinTimer.unref();
    this.sockets.set(socket, tracked);
    socket.on('pong', () => (tracked.alive = true));
    socket.once('close', () => this.untrack(socket));
  }

  /** The socket joined as `userId`: no deadline any more. */
  joined(socket: WebSocket, userId: string): void {
    const tracked = this.sockets.get(socket);
    if (!tracked) return;
    tracked.userId = userId;
    if (tracked.joinTimer) clearTimeout(tracked.joinTimer);
    tracked.joinTimer = null;
  }

  /** Closes every socket of an account (it signed out everywhere). */
  signedOut(userId: string): void {
    for (const [socket, t] of this.sockets) if (t.userId === userId) socket.close(CLOSE_SIGNED_OUT, 'signed out');
  }

  /** Open sockets of an address (for tests and metrics). */
  count(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const t of this.sockets.values()) if (t.joinTimer) clearTimeout(t.joinTimer);
  }

  private untrack(socket: WebSocket): void {
    const tracked = this.sockets.get(socket);
    if (!tracked) return;
    this.sockets.delete(socket);
    if (tracked.joinTimer) clearTimeout(tracked.joinTimer);
    const n = (this.perAddress.get(tracked.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(tracked.address);
    else this.perAddress.set(tracked.address, n);
  }

  private beat(): void {
    for (const [socket, t] of this.sockets) {
      if (!t.alive) {
        this.closed.idle++;
        socket.terminate();
        continue;
      }
      t.alive = false;
      try {
        socket.ping();
      } catch {
        // closing already
      }
    }
  }
}
