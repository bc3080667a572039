// A DistributedRoom whose listeners spill onto other nodes (edges): a stand-in pool of two local
// media workers (0, 1) and edge nodes (REMOTE_INDEX_BASE up) records every command the room
// sends, so that each test reads what an edge was told, and in which order.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedRoom, type RoomWorkers } from '../../../src/media/cluster/distributed-room.js';
import { REMOTE_INDEX_BASE } from '../../../src/media/cluster/remote-nodes.js';
import type { WorkerCommand } from '../../../src/media/cluster/protocol.js';
import { InvalidSdpError } from '../../../src/media/transport/sdp.js';

const E1 = REMOTE_INDEX_BASE;
const E2 = REMOTE_INDEX_BASE + 1;
const ROOM = 'space-1';

interface Sent {
  to: number;
  cmd: WorkerCommand;
}

class FakePool implements RoomWorkers {
  primary: number | null = 0;
  readonly local = [0, 1];
  readonly up = new Set<number>([0, 1, E1, E2]);
  readonly load = new Map<number, number>();
  /** Every command, in order; `to` is -1 for a broadcast. */
  readonly sent: Sent[] = [];
  readonly routes: Array<{ room: string; edges: number[] }> = [];
  readonly edgeAsks: Array<{ room: string; using: number[] }> = [];
  /** What edgeFor answers (a function of what the room uses). */
  edge: (using: readonly number[]) => number | null = () => E1;
  forgotten: string[] = [];

  isUp(index: number): boolean {
    return this.up.has(index);
  }
  leastLoaded(): number | null {
    let best: number | null = null;
    for (const w of this.local) if (this.up.has(w) && (best === null || (this.load.get(w) ?? 0) < (this.load.get(best) ?? 0))) best = w;
    return best;
  }
  adjustLoad(index: number, delta: number): void {
    this.load.set(index, (this.load.get(index) ?? 0) + delta);
  }
  send(index: number, cmd: WorkerCommand): boolean {
    if (!this.up.has(index)) return false;
    this.sent.push({ to: index, cmd });
    return true;
  }
  broadcast(cmd: WorkerCommand): void {
    this.sent.push({ to: -1, cmd });
  }
  forgetRoom(id: string): void {
    this.forgotten.push(id);
  }
  edgeFor(room: string, using: readonly number[]): number | null {
    this.edgeAsks.push({ room, using: [...using] });
    return this.edge(using);
  }
  routeToEdges(room: string, edges: readonly number[]): void {
    this.routes.push({ room, edges: [...edges] });
  }

  to(index: number): WorkerCommand[] {
    return this.sent.filter((s) => s.to === index).map((s) => s.cmd);
  }
  ops(index: number): string[] {
    return this.to(index).map(describe1);
  }
  clear(): void {
    this.sent.length = 0;
    this.routes.length = 0;
  }
  lastRoute(): number[] | undefined {
    return this.routes.at(-1)?.edges;
  }
}

/** A command in one short string: op, pid and the flags that matter. */
function describe1(cmd: WorkerCommand): string {
  switch (cmd.op) {
    case 'setPublisher':
      return `setPublisher ${cmd.pid} ${cmd.onStage} ${cmd.muted}`;
    case 'setMuted':
      return `setMuted ${cmd.pid} ${cmd.muted}`;
    case 'setCamera':
      return `setCamera ${cmd.pid} ${cmd.on}`;
    case 'followSpeaker':
      return `followSpeaker ${cmd.pid}`;
    case 'closeRoom':
      return 'closeRoom';
    case 'pin':
      return `pin ${cmd.pid} ${cmd.target}`;
    default:
      return 'pid' in cmd ? `${cmd.op} ${cmd.pid}` : cmd.op;
  }
}

function setup() {
  const pool = new FakePool();
  const room = new DistributedRoom(ROOM, pool);
  return { pool, room };
}

/** Where the room placed a pid: the index its last connect went to. */
function placedOn(pool: FakePool, pid: string): number | undefined {
  return pool.sent.filter((s) => s.cmd.op === 'connect' && s.cmd.pid === pid).at(-1)?.to;
}

describe('DistributedRoom: listeners on edge nodes', () => {
  it('a listener with {edge: true} is connected on the edge edgeFor returns; one without, locally', () => {
    const { pool, room } = setup();
    room.connect('local-1');
    assert.ok(pool.local.includes(placedOn(pool, 'local-1')!));
    assert.equal(pool.edgeAsks.length, 0, 'a local listener does not ask for an edge');
    pool.edge = () => E2;
    room.connect('l1', { edge: true });
    assert.equal(placedOn(pool, 'l1'), E2);
    assert.deepEqual(pool.edgeAsks.at(-1), { room: ROOM, using: [] });
    assert.equal(pool.load.get(E2), 1, 'the edge is charged one listener');
    assert.deepEqual([...room.edgeListeners], [[E2, 1]]);
  });

  it('the first listener on a new edge: the stage, cameras and active speaker go there before the connect, and the route includes it', () => {
    const { pool, room } = setup();
    room.setPublisher('host', true);
    room.setPublisher('spk', true, true);
    room.setCamera('host', true);
    room.onWorkerEvent(0, { ev: 'activeSpeaker', room: ROOM, pid: 'host' });
    pool.clear();
    room.connect('l1', { edge: true });
    assert.deepEqual(pool.ops(E1), ['setPublisher host true false', 'setPublisher spk true true', 'setCamera host true', 'followSpeaker host', 'connect l1']);
    assert.deepEqual(pool.routes, [{ room: ROOM, edges: [E1] }]);
    // Every command names this room.
    for (const cmd of pool.to(E1)) assert.equal('room' in cmd && cmd.room, ROOM);
  });

  it('a new edge of a room with nobody speaking is told followSpeaker(null)', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    assert.deepEqual(pool.ops(E1), ['followSpeaker null', 'connect l1']);
  });

  it('the second listener on an edge in use gets only its connect (no replay, no new route); the room passes the edges it uses', () => {
    const { pool, room } = setup();
    room.setPublisher('host', true);
    room.connect('l1', { edge: true });
    pool.clear();
    room.connect('l2', { edge: true });
    assert.deepEqual(pool.ops(E1), ['connect l2']);
    assert.deepEqual(pool.routes, []);
    assert.deepEqual(pool.edgeAsks.at(-1)?.using, [E1]);
    assert.deepEqual([...room.edgeListeners], [[E1, 2]]);
  });

  it('stage changes go to the local workers (broadcast) and to every edge in use, and not to edges left', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.edge = () => E2;
    room.connect('l2', { edge: true });
    assert.deepEqual([...room.edgeListeners.keys()].sort(), [E1, E2]);
    pool.clear();
    room.setPublisher('spk', true, false);
    room.setMuted('spk', true);
    room.setCamera('spk', true);
    room.setCamera('spk', false);
    room.setPublisher('spk', false);
    room.remove('spk');
    const expected = [
      'setPublisher spk true false',
      'setMuted spk true',
      'setCamera spk true',
      'setCamera spk false',
      'setPublisher spk false false',
      'remove spk',
    ];
    assert.deepEqual(pool.ops(-1), expected);
    assert.deepEqual(pool.ops(E1), expected);
    assert.deepEqual(pool.ops(E2), expected);
    assert.deepEqual(pool.ops(0), [], 'no stage change is sent to one local worker alone');

    room.disconnect('l2'); // E2 is no longer used
    pool.clear();
    room.setMuted('x', false);
    assert.deepEqual(pool.ops(E1), ['setMuted x false']);
    assert.deepEqual(pool.ops(E2), []);
  });

  it("the primary's activeSpeaker event: followSpeaker to every edge, the event emitted; from another worker, nothing", () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.edge = () => E2;
    room.connect('l2', { edge: true });
    const heard: Array<string | null> = [];
    room.on('activeSpeaker', (pid) => heard.push(pid));
    pool.clear();
    room.onWorkerEvent(1, { ev: 'activeSpeaker', room: ROOM, pid: 'spk' });
    room.onWorkerEvent(E1, { ev: 'activeSpeaker', room: ROOM, pid: 'spk' });
    assert.deepEqual(pool.sent, [], 'only the primary decides');
    assert.deepEqual(heard, []);
    room.onWorkerEvent(0, { ev: 'activeSpeaker', room: ROOM, pid: 'spk' });
    assert.deepEqual(pool.ops(E1), ['followSpeaker spk']);
    assert.deepEqual(pool.ops(E2), ['followSpeaker spk']);
    assert.deepEqual(heard, ['spk']);
    assert.equal(room.activeSpeaker, 'spk');
    room.onWorkerEvent(0, { ev: 'activeSpeaker', room: ROOM, pid: 'spk' });
    assert.equal(pool.ops(E1).length, 1, 'the same speaker again is not sent again');
    room.onWorkerEvent(0, { ev: 'activeSpeaker', room: ROOM, pid: null });
    assert.deepEqual(pool.ops(E1), ['followSpeaker spk', 'followSpeaker null']);
  });

  it('the last listener of an edge reconnecting goes back to it without the copy being closed and opened again', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.clear();
    room.connect('l1');
    assert.deepEqual(pool.ops(E1), ['disconnect l1', 'connect l1'], 'no closeRoom, no replay of the stage');
    assert.deepEqual(pool.routes, [], 'the route stays');
    assert.deepEqual([...room.edgeListeners], [[E1, 1]]);
    // Placed elsewhere on reconnecting (the edge is full now): then the unused copy closes.
    pool.edge = () => E2;
    room.connect('l1');
    assert.deepEqual(pool.ops(E1), ['disconnect l1', 'connect l1', 'disconnect l1', 'closeRoom']);
    assert.deepEqual([...room.edgeListeners], [[E2, 1]]);
    assert.deepEqual(pool.lastRoute(), [E2]);
  });

  it('the last listener leaving an edge: closeRoom to it and the route without it', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    room.connect('l2', { edge: true });
    pool.edge = () => E2;
    room.connect('l3', { edge: true });
    pool.clear();
    room.disconnect('l1');
    assert.deepEqual(pool.ops(E1), ['disconnect l1'], 'one listener is left there');
    assert.deepEqual(pool.routes, []);
    room.remove('l2');
    assert.deepEqual(pool.ops(E1), ['disconnect l1', 'disconnect l2', 'closeRoom'], 'the remove itself goes to the edges still in use only');
    assert.deepEqual(pool.ops(E2), ['remove l2']);
    assert.deepEqual(pool.routes, [{ room: ROOM, edges: [E2] }]);
    assert.deepEqual([...room.edgeListeners], [[E2, 1]]);
    assert.equal(pool.load.get(E1), 0);
    room.disconnect('l3');
    assert.deepEqual(pool.ops(E2), ['remove l2', 'disconnect l3', 'closeRoom']);
    assert.deepEqual(pool.lastRoute(), []);
    assert.equal(room.edgeListeners.size, 0);
  });

  it('an edge used again after it was closed gets the stage replayed again', () => {
    const { pool, room } = setup();
    room.setPublisher('host', true);
    room.connect('l1', { edge: true });
    room.disconnect('l1');
    pool.clear();
    room.connect('l2', { edge: true });
    assert.deepEqual(pool.ops(E1), ['setPublisher host true false', 'followSpeaker null', 'connect l2']);
    assert.deepEqual(pool.routes, [{ room: ROOM, edges: [E1] }]);
  });

  it('promoting an edge listener moves them to a local worker: disconnect on the edge, connect here', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    room.connect('l2', { edge: true });
    pool.clear();
    room.setPublisher('l1', true);
    assert.deepEqual(pool.ops(E1), ['setPublisher l1 true false', 'disconnect l1']);
    const local = placedOn(pool, 'l1');
    assert.ok(local !== undefined && pool.local.includes(local), `l1 now on a local worker (${local})`);
    assert.equal(pool.load.get(E1), 1);
    assert.deepEqual([...room.edgeListeners], [[E1, 1]]);
    // Off stage again, and reconnected: they stay here (their wish for an edge was dropped).
    room.setPublisher('l1', false);
    pool.clear();
    room.connect('l1');
    assert.ok(pool.local.includes(placedOn(pool, 'l1')!));
  });

  it('a stage member asking for an edge is placed here', () => {
    const { pool, room } = setup();
    room.setPublisher('spk', true);
    room.connect('spk', { edge: true });
    assert.ok(pool.local.includes(placedOn(pool, 'spk')!));
    assert.equal(room.edgeListeners.size, 0);
  });

  it('promoting the only listener on an edge closes the room there', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.clear();
    room.setPublisher('l1', true, true);
    assert.deepEqual(pool.ops(E1), ['setPublisher l1 true true', 'disconnect l1', 'closeRoom']);
    assert.deepEqual(pool.lastRoute(), []);
  });

  it('workerDown(edge): its listeners go to another edge (with the stage replayed), and its route is dropped', () => {
    const { pool, room } = setup();
    room.setPublisher('host', true);
    room.connect('l1', { edge: true });
    room.connect('l2', { edge: true });
    pool.up.delete(E1);
    pool.edge = () => E2;
    pool.clear();
    room.workerDown(E1);
    assert.equal(placedOn(pool, 'l1'), E2);
    assert.equal(placedOn(pool, 'l2'), E2);
    assert.deepEqual(pool.ops(E2), ['setPublisher host true false', 'followSpeaker null', 'connect l1', 'connect l2']);
    assert.deepEqual(pool.routes[0], { room: ROOM, edges: [] }, 'E1 dropped from the route first');
    assert.deepEqual(pool.lastRoute(), [E2]);
    assert.deepEqual([...room.edgeListeners], [[E2, 2]]);
  });

  it('workerDown(edge) with no other edge: its listeners are placed locally', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.up.delete(E1);
    pool.edge = () => null;
    pool.clear();
    room.workerDown(E1);
    assert.ok(pool.local.includes(placedOn(pool, 'l1')!));
    assert.deepEqual(pool.routes, [{ room: ROOM, edges: [] }]);
    assert.equal(room.edgeListeners.size, 0);
    // They still want an edge: when one has a place again and they reconnect, they go there.
    pool.edge = () => E2;
    room.connect('l1');
    assert.equal(placedOn(pool, 'l1'), E2);
  });

  it('workerDown of a local worker leaves the edges and their routes alone', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    room.connect('here');
    const local = placedOn(pool, 'here')!;
    pool.up.delete(local);
    pool.clear();
    room.workerDown(local);
    assert.deepEqual(pool.routes, []);
    assert.deepEqual(pool.ops(E1), []);
    assert.notEqual(placedOn(pool, 'here'), local);
    assert.deepEqual([...room.edgeListeners], [[E1, 1]]);
  });

  it('edgeAvailable() reflects edgeFor (asked with the edges in use)', () => {
    const { pool, room } = setup();
    pool.edge = () => null;
    assert.equal(room.edgeAvailable(), false);
    pool.edge = () => E1;
    assert.equal(room.edgeAvailable(), true);
    room.connect('l1', { edge: true });
    pool.edge = (using) => (using.includes(E1) ? null : E1);
    assert.equal(room.edgeAvailable(), false);
    assert.deepEqual(pool.edgeAsks.at(-1), { room: ROOM, using: [E1] });
  });

  it('with edgeFor null an edge listener is placed locally, and no edge is told anything', () => {
    const { pool, room } = setup();
    pool.edge = () => null;
    room.connect('l1', { edge: true });
    assert.ok(pool.local.includes(placedOn(pool, 'l1')!));
    assert.equal(pool.sent.filter((s) => s.to >= REMOTE_INDEX_BASE).length, 0);
    assert.deepEqual(pool.routes, []);
    assert.equal(room.edgeListeners.size, 0);
  });

  it('events from an edge for a pid placed there are emitted; for pids not placed there, ignored', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    room.connect('here');
    const local = placedOn(pool, 'here')!;
    const heard: string[] = [];
    room.on('offer', (pid, sdp, fresh) => heard.push(`offer ${pid} ${sdp} ${fresh}`));
    room.on('candidates', (pid, c, mid) => heard.push(`candidates ${pid} ${c.join(',')} ${mid}`));
    room.on('stageVideo', (pid, source, pinned, layer) => heard.push(`stageVideo ${pid} ${source} ${pinned} ${layer}`));
    room.on('connectionState', (pid, state) => heard.push(`state ${pid} ${state}`));
    const events = (pid: string): Array<Parameters<DistributedRoom['onWorkerEvent']>[1]> => [
      { ev: 'offer', room: ROOM, pid, sdp: 'v=0', fresh: true },
      { ev: 'candidates', room: ROOM, pid, candidates: ['c1', 'c2'], mid: '0' },
      { ev: 'stageVideo', room: ROOM, pid, source: 'host', pinned: false, layer: 'low' },
      { ev: 'connectionState', room: ROOM, pid, state: 'connected' },
    ];
    for (const ev of events('l1')) room.onWorkerEvent(E1, ev);
    assert.deepEqual(heard, ['offer l1 v=0 true', 'candidates l1 c1,c2 0', 'stageVideo l1 host false low', 'state l1 connected']);
    heard.length = 0;
    for (const ev of events('here')) room.onWorkerEvent(E1, ev); // placed locally, not on E1
    for (const ev of events('l1')) room.onWorkerEvent(E2, ev); // another edge
    for (const ev of events('l1')) room.onWorkerEvent(local, ev); // a local worker
    for (const ev of events('nobody')) room.onWorkerEvent(E1, ev);
    assert.deepEqual(heard, []);
    // Once moved off the edge, the edge no longer speaks for them.
    room.setPublisher('l1', true);
    for (const ev of events('l1')) room.onWorkerEvent(E1, ev);
    assert.deepEqual(heard, []);
  });

  it('applyAnswer for an edge listener goes to the edge and resolves (or rejects) with settleAnswer', async () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.clear();
    const ok = room.applyAnswer('l1', 'v=0 answer');
    const [sent] = pool.to(E1);
    assert.ok(sent && sent.op === 'answer');
    assert.equal(sent.pid, 'l1');
    assert.equal(sent.sdp, 'v=0 answer');
    assert.equal(room.settleAnswer({ ev: 'answerResult', reqId: sent.reqId + 1_000_000, error: null, invalidSdp: false }), false);
    assert.equal(room.settleAnswer({ ev: 'answerResult', reqId: sent.reqId, error: null, invalidSdp: false }), true);
    await ok;
    assert.equal(room.settleAnswer({ ev: 'answerResult', reqId: sent.reqId, error: null, invalidSdp: false }), false, 'settled once');

    const bad = room.applyAnswer('l1', 'garbage');
    const second = pool.to(E1).at(-1)!;
    assert.ok(second.op === 'answer');
    room.settleAnswer({ ev: 'answerResult', reqId: second.reqId, error: 'bad sdp', invalidSdp: true });
    await assert.rejects(bad, (e: Error) => e instanceof InvalidSdpError && e.message === 'bad sdp');
  });

  it('an answer pending on an edge that goes down is rejected', async () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    const pending = room.applyAnswer('l1', 'v=0');
    pool.up.delete(E1);
    pool.edge = () => null;
    room.workerDown(E1);
    await assert.rejects(pending, /restarted/);
  });

  it('close(): closeRoom to every edge in use and to the local workers; the edges are released', () => {
    const { pool, room } = setup();
    room.connect('l1', { edge: true });
    pool.edge = () => E2;
    room.connect('l2', { edge: true });
    room.connect('here');
    pool.clear();
    room.close();
    assert.deepEqual(pool.ops(E1), ['closeRoom']);
    assert.deepEqual(pool.ops(E2), ['closeRoom']);
    assert.deepEqual(pool.ops(-1), ['closeRoom']);
    assert.equal(pool.load.get(E1), 0);
    assert.equal(pool.load.get(E2), 0);
    assert.equal(room.edgeListeners.size, 0);
    assert.deepEqual(pool.forgotten, [ROOM]);
  });

  it('followSpeaker (the room is an edge copy) goes to every local worker and is replayed to a restarted one', () => {
    const { pool, room } = setup();
    room.followSpeaker('spk');
    assert.deepEqual(pool.ops(-1), ['followSpeaker spk']);
    pool.clear();
    room.workerUp(1);
    assert.deepEqual(pool.ops(1), ['followSpeaker spk']);
  });
});
