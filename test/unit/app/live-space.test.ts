// LiveSpace as the one way into a live Space, over the real domain, the real command queue and
// the real chat (SQLite in memory): a participant's messages go through handle() and reach
// the right module; every domain event (chat's included) reaches the Space's listeners; WHEP
// sessions live in their Space and end with their connection. The media room and the HLS
// egress are stand-ins that record what they are told (this is not a media test).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { openDatabase, type Db } from '../../../src/store/database.js';
import { CommentStore } from '../../../src/store/comment-store.js';
import { ChatService } from '../../../src/app/chat.js';
import { LiveSpace, type LiveSpaceOptions } from '../../../src/app/live-space.js';
import { graceFor } from '../../../src/app/grace-timers.js';
import { AudienceTiers } from '../../../src/app/audience-tiers.js';
import type { SpaceEgress } from '../../../src/app/space-egress.js';
import type { Connection } from '../../../src/app/connection.js';
import type { MediaRoomEvents, RoomHandle } from '../../../src/media/room/room-handle.js';
import { Space, SpaceError, type SpaceEvent } from '../../../src/spaces/index.js';
import type { ServerMessage } from '../../../src/protocol/messages.js';
import { GuestIdentities } from '../../../src/auth/guests.js';
import { sessionSpaceId } from '../../../src/app/media-session.js';
import { InvalidSdpError } from '../../../src/media/transport/sdp.js';

const WHIP_OFFER = readFileSync(new URL('../../fixtures/sdp/obs-whip.sdp', import.meta.url), 'utf8');

/** Records what the app layer tells the media plane. */
class RecordingRoom extends EventEmitter<MediaRoomEvents> implements RoomHandle {
  readonly activeSpeaker = null;
  readonly calls: string[] = [];
  private note(call: string): void {
    this.calls.push(call);
  }
  connect(id: string) {
    this.note(`connect ${id}`);
  }
  disconnect(id: string) {
    this.note(`disconnect ${id}`);
  }
  remove(id: string) {
    this.note(`remove ${id}`);
  }
  setPublisher(id: string, onStage: boolean) {
    this.note(`publisher ${id} ${onStage}`);
  }
  setMuted(id: string, muted: boolean) {
    this.note(`muted ${id} ${muted}`);
  }
  setCamera(id: string, on: boolean) {
    this.note(`camera ${id} ${on}`);
  }
  pin(viewer: string, target: string | null) {
    this.note(`pin ${viewer} ${target}`);
  }
  renegotiate(id: string) {
    this.note(`renegotiate ${id}`);
  }
  async applyAnswer(id: string) {
    this.note(`answer ${id}`);
  }
  addCandidate(id: string) {
    this.note(`candidate ${id}`);
  }
  /** Set by a test: the room refuses the next WHIP offer it is given. */
  refuseIngest = false;
  async acceptIngest(id: string) {
    this.note(`ingest ${id}`);
    if (this.refuseIngest) throw new Error('refused by the transport');
    return { answer: 'v=0 ingest', hasVideo: false };
  }
  async acceptPlayback(id: string) {
    this.note(`playback ${id}`);
    return 'v=0 playback';
  }
  endSession(id: string) {
    this.note(`endSession ${id}`);
  }
  addSessionCandidate(id: string) {
    this.note(`sessionCandidate ${id}`);
  }
  setEncoderTap() {}
  edgeAvailable() {
    return false;
  }
  close() {}
}

class RecordingConnection implements Connection {
  readonly sent: ServerMessage[] = [];
  closed: number | null = null;
  send(msg: ServerMessage) {
    this.sent.push(msg);
  }
  sendRaw(json: string) {
    this.sent.push(JSON.parse(json) as ServerMessage);
  }
  close(code: number) {
    this.closed = code;
  }
  of<T extends ServerMessage['type']>(type: T) {
    return this.sent.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }
}

const person = (userId: string) => ({ userId, handle: `@${userId}`, guest: false });
let n = 0;

describe('LiveSpace, the one way into a Space', () => {
  let db: Db;
  let chats: ChatService;
  const log = pino({ level: 'silent' });

  before(async () => {
    db = await openDatabase(':memory:');
    chats = new ChatService(new CommentStore(db), log, { commentRate: 1000, commentBurst: 1000, reactionRate: 1000, reactionBurst: 1000 });
  });
  after(async () => {
    await db.destroy();
  });

  async function open(grace: Partial<LiveSpaceOptions> = {}) {
    const space = new Space({ id: `ls${++n}`, title: 't', hostId: 'host', hostHandle: '@host', state: 'scheduled' });
    space.start('host', Date.now());
    const room = new RecordingRoom();
    const egress = { setRecording() {}, noteCamera() {}, setHlsAudience() {} } as unknown as SpaceEgress;
    const stored: unknown[] = [];
    const live = new LiveSpace({
      space,
      room,
      hooks: { ended: () => undefined, check: async () => undefined },
      options: { hostGraceMs: 60_000, reconnectGraceMs: 60_000, whipGraceMs: 60_000, ...grace },
      log,
      audience: { tiers: new AudienceTiers(100, false), egress, hlsUrl: '/hls' },
      storage: {
        store: { commit: async (change) => void stored.push(change) },
        record: (s) => ({
          id: s.id,
          title: s.title,
          hostId: s.hostId,
          hostHandle: s.hostHandle,
          state: s.state,
          scheduledFor: s.scheduledFor,
          startedAt: s.startedAt,
          endedAt: s.endedAt,
          endReason: s.endReason,
          recording: s.recording,
          kind: s.kind,
          guestComments: s.guestComments,
        }),
        stored: [],
        failed: () => undefined,
      },
    });
    live.attachChat(await chats.open(live));
    const events: SpaceEvent[] = [];
    live.onEvents((batch) => events.push(...batch));
    const conns = new Map<string, RecordingConnection>();
    for (const id of ['host', 'ann', 'bob']) {
      const conn = new RecordingConnection();
      conns.set(id, conn);
      await live.join(person(id), conn);
    }
    events.length = 0;
    return { live, space, room, events, conns, stored };
  }

  it("applies a moderation action's events: the media room, the store and the listeners", async (t) => {
    const { live, room, events, stored, space } = await open();
    t.after(() => live.dispose());
    await live.handle('host', { type: 'action', body: { action: 'invite', userId: 'ann' } });
    await live.handle('ann', { type: 'action', body: { action: 'acceptInvite' } });
    assert.equal(space.participant('ann')?.role, 'speaker');
    assert.ok(room.calls.includes('publisher ann true'), room.calls.join(', '));
    assert.ok(events.some((e) => e.kind === 'roleChanged' && e.userId === 'ann' && e.to === 'speaker'));
    assert.ok(stored.length >= 2, 'each action was stored');
    await assert.rejects(live.handle('bob', { type: 'action', body: { action: 'remove', userId: 'ann' } }), SpaceError);
  });

  it("applies chat's events too: a comment and a reaction reach the listeners, a comment everyone", async (t) => {
    const { live, events, conns } = await open();
    t.after(() => live.dispose());
    await live.handle('ann', { type: 'comment', text: 'hello' });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['commented'],
    );
    for (const conn of conns.values())
      assert.deepEqual(
        conn.of('comment').map((m) => m.comment.text),
        ['hello'],
      );
    await live.handle('bob', { type: 'react', emoji: '👏' });
    assert.deepEqual(
      events.map((e) => e.kind),
      ['commented', 'reacted'],
    );
    assert.deepEqual(
      live.recentComments().map((c) => c.text),
      ['hello'],
    );
  });

  it('routes deleting a comment to the chat, which removes it everywhere before the ack', async (t) => {
    const { live, events, conns } = await open();
    t.after(() => live.dispose());
    await live.handle('ann', { type: 'comment', text: 'oops' });
    const id = live.recentComments()[0]!.id;
    await live.handle('host', { type: 'action', body: { action: 'deleteComment', commentId: id } });
    assert.ok(events.some((e) => e.kind === 'commentDeleted' && e.commentId === id));
    assert.deepEqual(live.recentComments(), []);
    assert.deepEqual(
      conns
        .get('bob')!
        .of('commentDeleted')
        .map((m) => m.id),
      [id],
    );
  });

  it('hands media signalling and pins to the room', async (t) => {
    const { live, room } = await open();
    t.after(() => live.dispose());
    await live.handle('ann', { type: 'answer', sdp: 'v=0' });
    await live.handle('ann', { type: 'renegotiate' });
    await live.handle('ann', { type: 'pin', userId: 'host' });
    assert.deepEqual(room.calls.slice(-3), ['answer ann', 'renegotiate ann', 'pin ann host']);
    await assert.rejects(live.handle('ann', { type: 'pin', userId: 'bob' }), /only pin someone on stage/);
  });

  it('owns its WHEP sessions: found by id, ended by a failed connection (the player leaves)', async (t) => {
    const { live, room, space } = await open();
    t.after(() => live.dispose());
    const player = new GuestIdentities('secret').player();
    const { session, answer } = await live.startPlayback(player, 'v=0 offer');
    assert.equal(answer, 'v=0 playback');
    assert.equal(sessionSpaceId(session.id), space.id);
    assert.equal(live.session(session.id), session);
    assert.equal(live.sessionCount, 1);
    assert.equal(space.participant(player.userId)?.role, 'listener');
    room.emit('connectionState', player.userId, 'failed');
    await live.leave('nobody'); // runs after the session's end on the command queue
    assert.equal(live.session(session.id), undefined);
    assert.equal(live.sessionCount, 0);
    assert.equal(space.participant(player.userId), undefined);
    assert.ok(room.calls.includes(`endSession ${player.userId}`));
  });

  it('a newer WHIP session of the same publisher replaces the one before', async (t) => {
    const { live } = await open();
    t.after(() => live.dispose());
    const first = await live.startIngest(person('host'), WHIP_OFFER, 'key');
    const second = await live.startIngest(person('host'), WHIP_OFFER, 'key');
    assert.equal(live.session(first.session.id), undefined);
    assert.equal(live.session(second.session.id), second.session);
    assert.equal(live.sessionCount, 1);
    await assert.rejects(live.startIngest(person('bob'), WHIP_OFFER, 'key'), /only people on stage/);
  });

  it('a refused WHIP offer leaves nobody connected: malformed SDP before any join, a transport refusal undone', async (t) => {
    const { live, space, room } = await open();
    t.after(() => live.dispose());
    // The host is away (their encoder lost, say): their grace period is what can end the Space.
    space.disconnect('host');
    const before = structuredClone(space.participant('host'));
    await assert.rejects(live.startIngest(person('host'), 'v=0\r\nthis is not SDP', 'key'), InvalidSdpError);
    assert.deepEqual(space.participant('host'), before, 'nothing changed');
    assert.ok(!room.calls.some((c) => c.startsWith('ingest')), 'the room never saw it');
    room.refuseIngest = true;
    await assert.rejects(live.startIngest(person('host'), WHIP_OFFER, 'key'), /refused/);
    assert.equal(space.participant('host')?.connected, false, 'away again, with the grace period running');
    assert.equal(live.sessionCount, 0);
  });

  it('the grace of someone whose only connection was an encoder is the WHIP grace, host or not', () => {
    const periods = { hostGraceMs: 1, reconnectGraceMs: 2, whipGraceMs: 3 };
    assert.equal(graceFor(periods, { host: true, encoder: false }), 1);
    assert.equal(graceFor(periods, { host: false, encoder: false }), 2);
    assert.equal(graceFor(periods, { host: true, encoder: true }), 3);
    assert.equal(graceFor(periods, { host: false, encoder: true }), 3);
  });

  /** The host publishes from an encoder only: their WebSocket goes (no grace: the encoder keeps them here), then the encoder. */
  async function encoderGone(live: LiveSpace, conns: Map<string, RecordingConnection>) {
    await live.startIngest(person('host'), WHIP_OFFER, 'key');
    await live.connectionLost('host', conns.get('host')!);
    await live.endSession('host');
  }

  const until = (live: LiveSpace, found: (e: SpaceEvent) => boolean) =>
    new Promise<void>((resolve) => live.onEvents((batch) => batch.some(found) && resolve()));

  it("a host's encoder that went away is waited for the WHIP grace, not the host's", async (t) => {
    const { live, space, conns } = await open({ hostGraceMs: 3_600_000, whipGraceMs: 1 });
    t.after(() => live.dispose());
    const ended = until(live, (e) => e.kind === 'ended');
    await encoderGone(live, conns);
    await ended; // a host grace of an hour would not end it
    assert.equal(space.state, 'ended');
  });

  it('within the WHIP grace, the same key resumes the broadcast: same Space, host on stage again', async (t) => {
    const { live, space, conns } = await open({ hostGraceMs: 1, reconnectGraceMs: 1, whipGraceMs: 3_600_000 });
    t.after(() => live.dispose());
    await encoderGone(live, conns);
    assert.equal(space.participant('host')?.connected, false, 'held, disconnected');
    // Ann's grace, as short as the host's and started after the host's, runs out: the host's would have too.
    const annGone = until(live, (e) => e.kind === 'left' && e.userId === 'ann');
    await live.connectionLost('ann', conns.get('ann')!);
    await annGone;
    assert.equal(space.state, 'live');
    const again = await live.startIngest(person('host'), WHIP_OFFER, 'key');
    assert.equal(live.session(again.session.id), again.session);
    assert.equal(space.participant('host')?.connected, true);
    assert.equal(space.participant('host')?.role, 'host');
    assert.equal(space.state, 'live');
  });
});
