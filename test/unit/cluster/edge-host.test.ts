// EdgeHost, an edge node's side of Spaces that span nodes, over stand-ins for Redis (a
// publisher that records, a subscriber the test delivers messages on) and for the media plane
// (rooms that record every call). Owners' commands open, drive and close the copies; the
// copies' events go back to their owner; a copy no owner holds is closed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { EdgeHost, type EdgeMedia, type EdgeRoom } from '../../../src/cluster/edge-host.js';
import { keys } from '../../../src/cluster/keys.js';
import type { RedisClient } from '../../../src/cluster/redis-client.js';
import { edgeEventMessageSchema, parseMessage } from '../../../src/cluster/edge-protocol.js';
import type { MediaRoomEvents } from '../../../src/media/room/room-handle.js';
import type { WorkerCommand } from '../../../src/media/cluster/protocol.js';
import { InvalidSdpError } from '../../../src/media/transport/sdp.js';
import { until } from '../../helpers/waiting.js';

const SELF = 'edge-1';
const log = pino({ level: 'silent' });

class FakePublisher {
  readonly published: Array<{ channel: string; text: string }> = [];
  publish(channel: string, text: string): Promise<number> {
    this.published.push({ channel, text });
    return Promise.resolve(1);
  }
  on(channel: string): unknown[] {
    return this.published.filter((p) => p.channel === channel).map((p) => JSON.parse(p.text) as unknown);
  }
}

class FakeSubscriber extends EventEmitter {
  readonly channels: string[] = [];
  /** ioredis's connection state: 'ready' while Redis answers. */
  status = 'ready';
  subscribe(channel: string): Promise<number> {
    this.channels.push(channel);
    return Promise.resolve(1);
  }
}

class FakeRoom extends EventEmitter<MediaRoomEvents> implements EdgeRoom {
  readonly calls: string[] = [];
  peerCount = 0;
  /** What applyAnswer does: resolve, or reject with this error. */
  answerError: Error | null = null;
  constructor(readonly id: string) {
    super();
  }
  connect(pid: string, options?: { edge?: boolean }) {
    this.calls.push(`connect ${pid}${options?.edge ? ' edge' : ''}`);
  }
  disconnect(pid: string) {
    this.calls.push(`disconnect ${pid}`);
  }
  remove(pid: string) {
    this.calls.push(`remove ${pid}`);
  }
  setPublisher(pid: string, onStage: boolean, muted?: boolean) {
    this.calls.push(`setPublisher ${pid} ${onStage} ${muted}`);
  }
  setMuted(pid: string, muted: boolean) {
    this.calls.push(`setMuted ${pid} ${muted}`);
  }
  setCamera(pid: string, on: boolean) {
    this.calls.push(`setCamera ${pid} ${on}`);
  }
  pin(viewer: string, target: string | null) {
    this.calls.push(`pin ${viewer} ${target}`);
  }
  renegotiate(pid: string) {
    this.calls.push(`renegotiate ${pid}`);
  }
  applyAnswer(pid: string, sdp: string): Promise<void> {
    this.calls.push(`answer ${pid} ${sdp}`);
    return this.answerError ? Promise.reject(this.answerError) : Promise.resolve();
  }
  addCandidate(pid: string, candidate: string, mid: string) {
    this.calls.push(`candidate ${pid} ${candidate} ${mid}`);
  }
  followSpeaker(pid: string | null) {
    this.calls.push(`followSpeaker ${pid}`);
  }
}

class FakeMedia implements EdgeMedia {
  readonly rooms = new Map<string, FakeRoom>();
  /** Every room ever opened, in order (a closed one stays here). */
  readonly opened: FakeRoom[] = [];
  readonly closed: string[] = [];
  room(id: string): FakeRoom {
    let room = this.rooms.get(id);
    if (!room) {
      room = new FakeRoom(id);
      this.rooms.set(id, room);
      this.opened.push(room);
    }
    return room;
  }
  closeRoom(id: string): void {
    this.closed.push(id);
    // As a DistributedRoom's close() does.
    this.rooms.get(id)?.removeAllListeners();
    this.rooms.delete(id);
  }
}

const hosts: EdgeHost[] = [];

async function setup(leaseMs = 60_000) {
  const redis = new FakePublisher();
  const subscriber = new FakeSubscriber();
  const media = new FakeMedia();
  const host = new EdgeHost({
    redis: redis as unknown as RedisClient,
    subscriber: subscriber as unknown as RedisClient,
    media,
    nodeId: SELF,
    leaseMs,
    log,
  });
  await host.start();
  hosts.push(host);
  const channel = keys.edgeCommands(SELF);
  const deliver = (text: string) => subscriber.emit('message', channel, text);
  const command = (from: string, cmd: WorkerCommand) => deliver(JSON.stringify({ from, cmd }));
  const hold = (from: string, spaces: string[]) => deliver(JSON.stringify({ from, hold: spaces }));
  return { redis, subscriber, media, host, channel, deliver, command, hold };
}

/** The private expiry pass, run with a chosen cut-off (copies last heard before it are closed). */
function expire(host: EdgeHost, before: number): void {
  (host as unknown as { expire(before: number): void }).expire(before);
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('cluster: EdgeHost (edge side)', () => {
  after(() => {
    for (const host of hosts) host.close();
  });

  it('start subscribes to this node’s commands channel', async () => {
    const { subscriber, host } = await setup();
    assert.deepEqual(subscriber.channels, [keys.edgeCommands(SELF)]);
    host.close();
  });

  it('a command for a new Space opens a copy named edge:<space> and applies the command to it', async () => {
    const { media, host, command } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'alice' });
    assert.deepEqual([...media.rooms.keys()], ['edge:space-1']);
    assert.deepEqual(media.rooms.get('edge:space-1')!.calls, ['connect alice'], 'placed on this node’s workers, not on another edge');
    assert.equal(host.copyCount, 1);
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'bob' });
    assert.equal(media.opened.length, 1, 'the same copy');
    assert.deepEqual(media.rooms.get('edge:space-1')!.calls, ['connect alice', 'connect bob']);
    command('owner-a', { op: 'connect', room: 'space-2', pid: 'carol' });
    assert.equal(host.copyCount, 2);
    host.close();
  });

  it('maps every op to the room', async () => {
    const { media, host, command } = await setup();
    const room = 'space-1';
    const cmds: WorkerCommand[] = [
      { op: 'connect', room, pid: 'p' },
      { op: 'setPublisher', room, pid: 's', onStage: true, muted: true },
      { op: 'setPublisher', room, pid: 's2', onStage: false, muted: false },
      { op: 'setMuted', room, pid: 's', muted: false },
      { op: 'setCamera', room, pid: 's', on: true },
      { op: 'pin', room, pid: 'p', target: 's' },
      { op: 'pin', room, pid: 'p', target: null },
      { op: 'renegotiate', room, pid: 'p' },
      { op: 'candidate', room, pid: 'p', candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', mid: '0' },
      { op: 'followSpeaker', room, pid: 's' },
      { op: 'followSpeaker', room, pid: null },
      { op: 'disconnect', room, pid: 'p' },
      { op: 'remove', room, pid: 's' },
    ];
    for (const cmd of cmds) command('owner-a', cmd);
    assert.deepEqual(media.rooms.get('edge:space-1')!.calls, [
      'connect p',
      'setPublisher s true true',
      'setPublisher s2 false false',
      'setMuted s false',
      'setCamera s true',
      'pin p s',
      'pin p null',
      'renegotiate p',
      'candidate p candidate:1 1 udp 1 1.2.3.4 5 typ host 0',
      'followSpeaker s',
      'followSpeaker null',
      'disconnect p',
      'remove s',
    ]);
    host.close();
  });

  it('answer: answerResult to the owner’s events channel, with error null, the message, or invalidSdp', async () => {
    const { media, redis, host, command } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    const room = media.rooms.get('edge:space-1')!;
    command('owner-a', { op: 'answer', room: 'space-1', pid: 'p', sdp: 'v=0 ok', reqId: 11 });
    room.answerError = new InvalidSdpError('no fingerprint');
    command('owner-a', { op: 'answer', room: 'space-1', pid: 'p', sdp: 'v=0 bad', reqId: 12 });
    room.answerError = new Error('the peer is gone');
    command('owner-a', { op: 'answer', room: 'space-1', pid: 'p', sdp: 'v=0 late', reqId: 13 });
    await until(async () => (redis.on(keys.edgeEvents('owner-a')).length >= 3 ? true : undefined), 10_000, 'three answer results', 5);
    assert.deepEqual(room.calls.slice(1), ['answer p v=0 ok', 'answer p v=0 bad', 'answer p v=0 late']);
    const results = redis.on(keys.edgeEvents('owner-a'));
    assert.deepEqual(results, [
      { from: SELF, ev: { ev: 'answerResult', reqId: 11, error: null, invalidSdp: false } },
      { from: SELF, ev: { ev: 'answerResult', reqId: 12, error: 'no fingerprint', invalidSdp: true } },
      { from: SELF, ev: { ev: 'answerResult', reqId: 13, error: 'the peer is gone', invalidSdp: false } },
    ]);
    for (const p of redis.published) assert.ok(parseMessage(edgeEventMessageSchema, p.text));
    assert.equal(redis.published.length, 3, 'to nobody else');
    host.close();
  });

  it('room events go to the owner with the Space’s id (no prefix)', async () => {
    const { media, redis, host, command } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    const room = media.rooms.get('edge:space-1')!;
    room.emit('offer', 'p', 'v=0 offer', true);
    room.emit('candidates', 'p', ['c1'], '0');
    room.emit('stageVideo', 'p', 'host', true, 'high');
    room.emit('stageVideo', 'p', null, false, 'low');
    room.emit('connectionState', 'p', 'connected');
    room.emit('speaking', [{ id: 'host', level: 1 }]);
    room.emit('activeSpeaker', 'host');
    const channel = keys.edgeEvents('owner-a');
    assert.deepEqual(redis.on(channel), [
      { from: SELF, ev: { ev: 'offer', room: 'space-1', pid: 'p', sdp: 'v=0 offer', fresh: true } },
      { from: SELF, ev: { ev: 'candidates', room: 'space-1', pid: 'p', candidates: ['c1'], mid: '0' } },
      { from: SELF, ev: { ev: 'stageVideo', room: 'space-1', pid: 'p', source: 'host', pinned: true, layer: 'high' } },
      { from: SELF, ev: { ev: 'stageVideo', room: 'space-1', pid: 'p', source: null, pinned: false, layer: 'low' } },
      { from: SELF, ev: { ev: 'connectionState', room: 'space-1', pid: 'p', state: 'connected' } },
    ]);
    assert.equal(redis.published.length, 5, 'speaking and activeSpeaker stay here (the owner decides)');
    for (const p of redis.published) assert.ok(parseMessage(edgeEventMessageSchema, p.text), 'valid for the owner’s parser');
    host.close();
  });

  it('closeRoom closes the copy; a closeRoom for no copy opens nothing', async () => {
    const { media, host, command } = await setup();
    command('owner-a', { op: 'closeRoom', room: 'space-9' });
    assert.equal(host.copyCount, 0);
    assert.equal(media.opened.length, 0);
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    command('owner-a', { op: 'closeRoom', room: 'space-1' });
    assert.equal(host.copyCount, 0);
    assert.deepEqual(media.closed, ['edge:space-1']);
    // The next command opens a fresh one.
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'q' });
    assert.equal(media.opened.length, 2);
    assert.deepEqual(media.opened[1]!.calls, ['connect q']);
    host.close();
  });

  it('a command from another owner closes the old copy first, then opens a fresh one whose events go to the new owner', async () => {
    const { media, redis, host, command } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    const old = media.opened[0]!;
    command('owner-b', { op: 'connect', room: 'space-1', pid: 'q' });
    assert.deepEqual(media.closed, ['edge:space-1']);
    assert.equal(media.opened.length, 2);
    const fresh = media.opened[1]!;
    assert.notEqual(fresh, old);
    assert.deepEqual(fresh.calls, ['connect q']);
    assert.deepEqual(old.calls, ['connect p'], 'the old copy got nothing more');
    assert.equal(host.copyCount, 1);
    fresh.emit('offer', 'q', 'v=0', true);
    assert.equal(redis.on(keys.edgeEvents('owner-b')).length, 1);
    assert.equal(redis.on(keys.edgeEvents('owner-a')).length, 0);
    // The old owner's closeRoom now closes nothing of the new owner's.
    command('owner-a', { op: 'closeRoom', room: 'space-1' });
    assert.equal(host.copyCount, 1);
    host.close();
  });

  it('hold refreshes only the copies of that owner; copies not heard from are expired', async () => {
    const { media, host, command, hold } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    command('owner-b', { op: 'connect', room: 'space-2', pid: 'q' });
    command('owner-a', { op: 'connect', room: 'space-3', pid: 'r' });
    const opened = Date.now();
    await until(async () => (Date.now() > opened + 1 ? true : undefined), 10_000, 'the clock to move on', 1);
    hold('owner-a', ['space-1', 'space-2', 'space-unknown']);
    expire(host, opened + 1);
    assert.deepEqual(media.closed.sort(), ['edge:space-2', 'edge:space-3']);
    assert.deepEqual([...media.rooms.keys()], ['edge:space-1']);
    assert.equal(host.copyCount, 1);
    assert.equal(media.opened.length, 3, 'a hold opens nothing');
    host.close();
  });

  it('keeps copies while Redis is away (no owner can hold them), and gives them three leases from its return', async () => {
    const { media, host, command, subscriber } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    const opened = Date.now();
    await until(async () => (Date.now() > opened + 1 ? true : undefined), 10_000, 'the clock to move on', 1);
    subscriber.status = 'reconnecting';
    expire(host, Date.now() + 1);
    assert.equal(host.copyCount, 1, 'not expired while Redis is away');
    subscriber.status = 'ready';
    subscriber.emit('ready');
    expire(host, opened + 1);
    assert.equal(host.copyCount, 1, 'Redis back: held as of now');
    expire(host, Date.now() + 1);
    assert.equal(host.copyCount, 0, 'and expired when nothing comes after');
    assert.deepEqual(media.closed, ['edge:space-1']);
    host.close();
  });

  it('counts the PeerConnections of every copy', async () => {
    const { media, host, command } = await setup();
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    command('owner-b', { op: 'connect', room: 'space-2', pid: 'q' });
    media.rooms.get('edge:space-1')!.peerCount = 2;
    media.rooms.get('edge:space-2')!.peerCount = 3;
    assert.equal(host.peers, 5);
    host.close();
  });

  it('the timer closes a copy not held for three leases', async () => {
    const leaseMs = 20;
    const { media, host, command } = await setup(leaseMs);
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    assert.equal(host.copyCount, 1);
    await until(async () => (host.copyCount === 0 ? true : undefined), 10_000, 'the copy to expire', 5);
    assert.deepEqual(media.closed, ['edge:space-1']);
    host.close();
  });

  it('malformed JSON and schema-invalid messages are ignored without throwing', async () => {
    const { media, redis, host, deliver, channel, subscriber } = await setup();
    const bad = [
      'not json',
      '',
      'null',
      '42',
      '[]',
      JSON.stringify({}),
      JSON.stringify({ from: 'owner-a' }),
      JSON.stringify({ cmd: { op: 'connect', room: 'space-1', pid: 'p' } }),
      JSON.stringify({ from: '', cmd: { op: 'connect', room: 'space-1', pid: 'p' } }),
      JSON.stringify({ from: 'owner-a', cmd: { op: 'explode', room: 'space-1' } }),
      JSON.stringify({ from: 'owner-a', cmd: { op: 'connect', room: 'space-1' } }),
      JSON.stringify({ from: 'owner-a', cmd: { op: 'connect', room: '', pid: 'p' } }),
      JSON.stringify({ from: 'owner-a', cmd: { op: 'setMuted', room: 'space-1', pid: 'p', muted: 'yes' } }),
      JSON.stringify({ from: 'owner-a', hold: 'space-1' }),
      JSON.stringify({ from: 'owner-a', hold: [''] }),
    ];
    for (const text of bad) assert.doesNotThrow(() => deliver(text), text);
    subscriber.emit('message', 'some-other-channel', JSON.stringify({ from: 'owner-a', cmd: { op: 'connect', room: 'space-1', pid: 'p' } }));
    assert.equal(channel, keys.edgeCommands(SELF));
    assert.equal(media.opened.length, 0);
    assert.equal(host.copyCount, 0);
    assert.equal(redis.published.length, 0);
    host.close();
  });

  it('WHIP/WHEP, tap and relay-route ops are not applied to a copy, and open none', async () => {
    const { media, host, command } = await setup();
    const room = 'space-1';
    const ignored: WorkerCommand[] = [
      { op: 'acceptOffer', room, pid: 'p', kind: 'ingest', sdp: 'v=0', reqId: 1 },
      { op: 'endSession', room, pid: 'p' },
      { op: 'sessionCandidate', room, pid: 'p', candidate: 'c', mid: '0' },
      { op: 'tap', room, on: true },
      { op: 'edgeTargets', room, targets: [{ host: 'x.test', port: 7000 }] },
      { op: 'relayPorts', ports: [1, 2] },
    ];
    for (const cmd of ignored) assert.doesNotThrow(() => command('owner-a', cmd));
    assert.equal(media.opened.length, 0, 'no copy for commands a copy does not take');
    assert.equal(host.copyCount, 0);
    command('owner-a', { op: 'connect', room, pid: 'p' });
    for (const cmd of ignored) command('owner-a', cmd);
    assert.deepEqual(media.opened[0]!.calls, ['connect p']);
    host.close();
  });

  it('close() closes every copy and stops the timer', async () => {
    const { media, host, command } = await setup(10);
    command('owner-a', { op: 'connect', room: 'space-1', pid: 'p' });
    command('owner-b', { op: 'connect', room: 'space-2', pid: 'q' });
    host.close();
    assert.deepEqual(media.closed.sort(), ['edge:space-1', 'edge:space-2']);
    assert.equal(host.copyCount, 0);
    await tick();
  });
});
