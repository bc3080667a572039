// WebSocket signalling client for one Space, shared by the browser app and Node bots.
// It reconnects by itself after a drop and joins again with the same identity, so the
// server restores the participant's role (the server holds their place for a grace period).
import type { Action, AudienceTier, ClientMessage, ErrorCode, ReactionEmoji, ServerMessage } from '../protocol/messages.js';

/** The subset of the WebSocket API we need; browsers' WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
type Handlers = {
  [K in ServerMessage['type']]?: Array<(msg: MessageOf<K>) => void>;
};

// Node's setImmediate where there is one (bots and tests), a zero timeout in browsers.
const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
const nextTask: (fn: () => void) => void = immediate ? (fn) => void immediate(fn) : (fn) => void setTimeout(fn, 0);

/**
 * Close codes after which reconnecting would be wrong: 4000 another tab or device took
 * this seat, 4001 removed from the Space, 4003 signed out everywhere, 1008 closed for flooding.
 */
const FINAL_CLOSE_CODES = new Set([4000, 4001, 4003, 1008]);

/**
 * 4010: the Space runs (or now runs) on another node of the cluster. After a `redirect` the
 * client goes straight to the node it names; without one (the node handed the Space off) it
 * joins again through its entry URL, which sends it to the new owner.
 */
const MOVED_CLOSE_CODE = 4010;
/** Redirects followed in a row without a welcome, before falling back to the usual backoff. */
const MAX_REDIRECTS = 5;

export class SignallingError extends Error {
  constructor(
    readonly code: ErrorCode | 'closed' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

export interface SignallingOptions {
  /** ws:// or wss:// URL of the server's /ws endpoint. */
  url: string;
  spaceId: string;
  token?: string;
  /** A guest's secret (kept across reloads to stay the same guest); without it the server makes one. */
  guestSecret?: string;
  /** A guest's display name, sent on every join (setName changes it and what later joins send). */
  guestName?: string;
  createSocket: WebSocketFactory;
  /** Give up reconnecting after this long without a successful join (ms). */
  reconnectWindowMs?: number;
  requestTimeoutMs?: number;
}

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export class SignallingClient {
  private socket: WebSocketLike | null = null;
  private readonly handlers: Handlers = {};
  private readonly statusListeners: Array<(s: ConnectionStatus) => void> = [];
  private readonly pending = new Map<string, { resolve: () => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private nextRid = 1;
  private closedByUs = false;
  private finished = false;
  private attempt = 0;
  private lostAt = 0;
  status: ConnectionStatus = 'connecting';
  /** Close code of the last connection, once it closed. */
  closeCode: number | null = null;

  /** The guest secret to join with: the caller's, or the one the server made for us. */
  private guestSecret: string | undefined;
  /** Where the next connection goes instead of the entry URL (a node's redirect), once. */
  private redirectTo: string | null = null;
  private redirects = 0;

  /** The guest's display name to join with. */
  private guestName: string | undefined;

  constructor(private readonly options: SignallingOptions) {
    this.guestSecret = options.guestSecret;
    this.guestName = options.guestName;
  }

  on<K extends ServerMessage['type']>(type: K, handler: (msg: MessageOf<K>) => void): () => void {
    const list = (this.handlers[type] ??= []) as Array<(msg: MessageOf<K>) => void>;
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Calls `listener` on every status change; returns how to stop. */
  onStatus(listener: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.push(listener);
    return () => {
      const i = this.statusListeners.indexOf(listener);
      if (i >= 0) this.statusListeners.splice(i, 1);
    };
  }

  /**
   * Opens the connection and resolves once the server has welcomed us into the Space; rejects
   * when the server refuses the join, or when the client stops trying before any welcome (a
   * final close code, the reconnect window run out, or close()).
   */
  connect(): Promise<MessageOf<'welcome'>> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const offWelcome = this.on('welcome', (msg) => {
        if (settled) return;
        settled = true;
        offWelcome();
        offError();
        offStatus();
        resolve(msg);
      });
      const offStatus = this.onStatus((status) => {
        if (settled || status !== 'closed') return;
        settled = true;
        offWelcome();
        offError();
        offStatus();
        reject(new SignallingError('closed', `gave up before joining${this.closeCode === null ? '' : ` (close code ${this.closeCode})`}`));
      });
      const offError = this.on('error', (msg) => {
        // 'unavailable': the Space is between nodes; the server closes and we try again.
        if (settled || msg.rid !== 'join' || msg.code === 'unavailable') return;
        settled = true;
        offWelcome();
        offError();
        offStatus();
        this.finished = true;
        this.close();
        reject(new SignallingError(msg.code, msg.message));
      });
      this.open();
    });
  }

  /** Sends a moderation or self action and resolves when the server accepted it. */
  act(body: Action): Promise<void> {
    return this.request({ type: 'action', body });
  }

  sendAnswer(sdp: string): Promise<void> {
    return this.request({ type: 'answer', sdp });
  }

  sendCandidate(candidate: string, mid: string): void {
    this.send({ type: 'candidate', candidate, mid });
  }

  renegotiate(): Promise<void> {
    return this.request({ type: 'renegotiate' });
  }

  /** Holds this viewer's stage video on a person (null: follow the active speaker). */
  pin(userId: string | null): Promise<void> {
    return this.request({ type: 'pin', userId });
  }

  /**
   * A listener's Low data mode: 'hls' to receive the Space as HLS, 'webrtc' to come back.
   * The ack only means the server took the request; the `tier` message says what it chose.
   */
  setTier(tier: AudienceTier): Promise<void> {
    return this.request({ type: 'setTier', tier });
  }

  /**
   * Posts a comment. Resolves once it is stored and was sent to everyone (this client gets it
   * as a `comment` message first); rejects with 'rate_limited', 'bad_message', 'not_permitted'…
   */
  comment(text: string): Promise<void> {
    return this.request({ type: 'comment', text });
  }

  /** Deletes a comment (one's own; moderators also others'). Everyone gets `commentDeleted`. */
  deleteComment(commentId: string): Promise<void> {
    return this.act({ action: 'deleteComment', commentId });
  }

  /** A guest's display name; resolves once the server took it (a refused one changes nothing). */
  async setName(name: string): Promise<void> {
    await this.request({ type: 'setName', name });
    this.guestName = name;
  }

  /** Sends a reaction; everyone gets it counted in the next `reactions` batch. */
  react(emoji: ReactionEmoji): Promise<void> {
    return this.request({ type: 'react', emoji });
  }

  async leave(): Promise<void> {
    try {
      await this.request({ type: 'leave' });
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closedByUs = true;
    this.setStatus('closed');
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SignallingError('closed', 'connection closed'));
    }
    this.pending.clear();
    this.socket?.close(1000, 'bye');
    this.socket = null;
  }

  /** Sends a raw message; for tests of the server's input validation. */
  sendRaw(data: string): void {
    this.socket?.send(data);
  }

  private request(msg: Extract<ClientMessage, { rid?: string }>): Promise<void> {
    const rid = String(this.nextRid++);
    return new Promise((resolve, reject) => {
      // Closed for good (left, removed, ended, replaced): nothing will ever answer.
      if (this.status === 'closed' && this.socket === null) {
        reject(new SignallingError('closed', 'connection closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new SignallingError('timeout', `no answer to ${msg.type}`));
      }, this.options.requestTimeoutMs ?? 10_000);
      this.pending.set(rid, { resolve, reject, timer });
      this.send({ ...msg, rid });
    });
  }

  private send(msg: ClientMessage): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(msg));
  }

  private open(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const url = this.redirectTo ?? this.options.url;
    this.redirectTo = null;
    const socket = this.options.createSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(
        JSON.stringify({
          type: 'join',
          rid: 'join',
          spaceId: this.options.spaceId,
          ...(this.options.token ? { token: this.options.token } : {}),
          ...(this.guestSecret && !this.options.token ? { guestSecret: this.guestSecret } : {}),
          ...(this.guestName !== undefined && !this.options.token ? { guestName: this.guestName } : {}),
        } satisfies ClientMessage),
      );
    };
    // Several frames can arrive in one read and be emitted in one tick. Dispatching each on
    // its own macrotask lets code that awaited the previous message (e.g. connect() resolving
    // on welcome, then subscribing to offers) run before the next one is handled.
    // The close is queued behind the messages, so a final "ended" or "removed" that the
    // server sent just before closing is always seen first.
    socket.onmessage = (ev) => {
      const data = String(ev.data);
      nextTask(() => this.dispatch(data));
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      nextTask(() => {
        if (this.socket !== socket) return;
        this.socket = null;
        if (FINAL_CLOSE_CODES.has(ev.code) || ev.reason === 'space ended') this.finished = true;
        this.closeCode = ev.code;
        if (this.closedByUs || this.finished) {
          this.setStatus('closed');
          return;
        }
        if (ev.code === MOVED_CLOSE_CODE && this.redirects <= MAX_REDIRECTS) {
          this.moved();
          return;
        }
        this.scheduleReconnect();
      });
    };
  }

  /** The Space is on another node: go there now (a redirect), or soon through the entry URL. */
  private moved(): void {
    if (this.lostAt === 0) this.lostAt = Date.now();
    this.setStatus('reconnecting');
    // Everyone of a handed-off Space is told at once: spread them over 300 ms.
    const delay = this.redirectTo ? 0 : Math.random() * 300;
    setTimeout(() => {
      if (!this.closedByUs && !this.finished) this.open();
    }, delay);
  }

  private scheduleReconnect(): void {
    if (this.lostAt === 0) this.lostAt = Date.now();
    if (Date.now() - this.lostAt > (this.options.reconnectWindowMs ?? 60_000)) {
      this.finished = true;
      this.setStatus('closed');
      return;
    }
    this.attempt++;
    this.setStatus('reconnecting');
    // Doubling from 200 ms to at most 2 s: a restarted server is rejoined within 2 s of coming
    // back. Each delay is drawn from its upper half, so an audience that lost the server at the
    // same moment does not all come back at the same moment.
    const ceiling = Math.min(2000, 200 * 2 ** Math.min(this.attempt - 1, 4));
    const delay = ceiling * (0.5 + Math.random() * 0.5);
    setTimeout(() => {
      if (!this.closedByUs && !this.finished) this.open();
    }, delay);
  }

  private dispatch(raw: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === 'redirect') {
      this.redirects++;
      this.redirectTo = msg.url;
    }
    if (msg.type === 'welcome') {
      this.attempt = 0;
      this.lostAt = 0;
      this.redirects = 0;
      // A guest the server named: rejoining with the secret after a drop keeps them the same guest.
      if (msg.guestSecret) this.guestSecret = msg.guestSecret;
      this.setStatus('connected');
    }
    if (msg.type === 'ended' || msg.type === 'removed') this.finished = true;
    if ((msg.type === 'ack' || msg.type === 'error' || msg.type === 'pong') && msg.rid && this.pending.has(msg.rid)) {
      const p = this.pending.get(msg.rid)!;
      this.pending.delete(msg.rid);
      clearTimeout(p.timer);
      if (msg.type === 'error') p.reject(new SignallingError(msg.code, msg.message));
      else p.resolve();
    }
    const list = this.handlers[msg.type] as Array<(m: ServerMessage) => void> | undefined;
    if (list) for (const h of [...list]) h(msg);
  }

  private setStatus(s: ConnectionStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }
}
