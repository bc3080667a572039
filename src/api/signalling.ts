// The WebSocket adapter: one connection = one participant in one Space. Every incoming
// frame is size-checked, rate-limited, JSON-parsed and zod-validated before anything acts
// on it; bad input gets an error message and changes nothing. Messages of one connection
// are handled strictly in order. Once joined, every message goes to the Space's one entry
// (LiveSpace.handle), which decides what handles it; this adapter only acknowledges.
import type { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { clientMessageSchema, MAX_MESSAGE_BYTES, type ClientMessage, type ErrorCode, type ServerMessage } from '../protocol/messages.js';
import type { SpaceService } from '../app/space-service.js';
import type { LiveSpace } from '../app/live-space.js';
import type { Connection } from '../app/connection.js';
import { toWireError } from '../app/wire-errors.js';
import type { TokenService } from '../auth/tokens.js';
import type { GuestIdentities } from '../auth/guests.js';
import type { Person } from '../spaces/index.js';
import { TokenBucket } from '../app/token-bucket.js';
import type { IceServerConfig } from '../protocol/messages.js';
import { SpaceElsewhereError } from '../app/space-placement.js';

export interface SignallingDeps {
  spaces: SpaceService;
  tokens: TokenService;
  iceServers: IceServerConfig[];
  messageRate: number;
  messageBurst: number;
  log: Logger;
  guests: GuestIdentities;
  /** The socket joined a Space as this person (its join deadline is over). */
  joined?: (userId: string) => void;
}

/** A client this far over its rate is disconnected rather than answered. */
const ABUSE_LIMIT = 200;

export function handleSocket(socket: WebSocket, deps: SignallingDeps): void {
  const bucket = new TokenBucket(deps.messageRate, deps.messageBurst);
  let refused = 0;
  let flooded = false;
  let warnedBadMedia = false;
  let live: LiveSpace | null = null;
  let person: Person | null = null;
  let queue: Promise<void> = Promise.resolve();

  const send = (msg: ServerMessage) => sendRaw(JSON.stringify(msg));
  const sendRaw = (json: string) => {
    if (socket.readyState === socket.OPEN) socket.send(json);
  };
  const conn: Connection = {
    send,
    sendRaw,
    close: (code, reason) => socket.close(code, reason),
  };
  const fail = (code: ErrorCode, message: string, rid?: string) => send({ type: 'error', code, message, ...(rid ? { rid } : {}) });

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    // Being closed for flooding: whatever else is already on its way is dropped unread.
    if (flooded) return;
    if (!bucket.take()) {
      if (++refused > ABUSE_LIMIT) {
        flooded = true;
        deps.log.warn({ user: person?.userId }, 'closing a connection that keeps flooding');
        socket.close(1008, 'rate limit exceeded');
        return;
      }
      fail('rate_limited', 'too many messages; slow down');
      return;
    }
    if (isBinary) return fail('bad_message', 'binary frames are not accepted');
    if (data.length > MAX_MESSAGE_BYTES) return fail('message_too_large', `messages are limited to ${MAX_MESSAGE_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      return fail('bad_json', 'message is not valid JSON');
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const rid = typeof (json as { rid?: unknown })?.rid === 'string' ? ((json as { rid: string }).rid as string).slice(0, 64) : undefined;
      const issue = parsed.error.issues[0];
      return fail('bad_message', issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid message', rid);
    }
    const msg = parsed.data;
    queue = queue.then(() => handle(msg)).catch((err) => deps.log.error({ err }, 'signalling handler failed'));
  });

  socket.on('close', () => {
    queue = queue.then(() => {
      if (live && person) return live.connectionLost(person.userId, conn);
    });
  });
  socket.on('error', (err) => deps.log.debug({ err }, 'websocket error'));

  async function handle(msg: ClientMessage): Promise<void> {
    const rid = 'rid' in msg ? msg.rid : undefined;
    try {
      if (msg.type === 'join') return await join(msg);
      if (msg.type === 'ping') return send({ type: 'pong', ...(rid ? { rid } : {}) });
      if (!live || !person) return fail('not_joined', 'send join first', rid);
      if (msg.type === 'leave') {
        send({ type: 'ack', ...(rid ? { rid } : {}) });
        await live.leave(person.userId);
        live = null;
        return;
      }
      await live.handle(person.userId, msg);
      // Trickled candidates are not acknowledged (a client sends many; only a refusal is news).
      if (msg.type !== 'candidate') send({ type: 'ack', ...(rid ? { rid } : {}) });
    } catch (err) {
      const wire = toWireError(err);
      if (wire.code === 'internal') deps.log.error({ err, type: msg.type }, 'error handling a client message');
      else if (wire.code === 'invalid_sdp' && !warnedBadMedia) {
        // Worth one line for the operator (a broken client), never a flood nor a stack.
        warnedBadMedia = true;
        deps.log.warn({ user: person?.userId, type: msg.type, reason: wire.message }, 'a client sent media signalling we refused');
      }
      fail(wire.code, wire.message, rid);
    }
  }

  async function join(msg: Extract<ClientMessage, { type: 'join' }>): Promise<void> {
    if (live) return fail('already_joined', 'this connection has already joined a Space', msg.rid);
    let who: Person;
    let mintedSecret: string | undefined;
    if (msg.token) {
      const claims = await deps.tokens.verify(msg.token);
      if (!claims) return fail('unauthenticated', 'your session is invalid or expired; sign in again', msg.rid);
      who = { userId: claims.userId, handle: claims.handle, guest: false };
    } else {
      ({ person: who, mintedSecret } = deps.guests.guest(msg.guestSecret ?? msg.guestId, msg.guestName));
    }
    let target: LiveSpace;
    try {
      target = await deps.spaces.forJoin(msg.spaceId);
    } catch (err) {
      if (!(err instanceof SpaceElsewhereError)) throw err;
      // Another node runs the Space. Its signalling and media are there: the client goes there
      // (a redirect, not a bridge: its media would have to reach that node anyway).
      if (!err.url) {
        fail('unavailable', 'the Space is moving between nodes; try again', msg.rid);
        socket.close(4011, 'try again');
        return;
      }
      send({ type: 'redirect', ...(msg.rid ? { rid: msg.rid } : {}), url: webSocketUrl(err.url) });
      socket.close(4010, 'the Space runs on another node');
      return;
    }
    await target.join(who, conn);
    live = target;
    person = who;
    deps.joined?.(who.userId);
    send({
      type: 'welcome',
      ...(msg.rid ? { rid: msg.rid } : {}),
      you: { userId: who.userId, handle: who.handle, guest: who.guest, ...(who.name !== undefined ? { name: who.name } : {}) },
      iceServers: deps.iceServers,
      ...(mintedSecret ? { guestSecret: mintedSecret } : {}),
    });
    send({ type: 'state', ...target.snapshotFor(who.userId) });
    send({ type: 'comments', comments: target.recentComments() });
  }
}

/** The /ws endpoint under a node's public base URL. */
export function webSocketUrl(publicUrl: string): string {
  const u = new URL(publicUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/$/, '')}/ws`;
  u.search = '';
  return u.toString();
}
