// AudienceSeating when this node is full and the cluster has room: a listener beyond the
// node's WebRTC places is seated live on another node (connect with {edge: true}) and holds
// none of this node's places; without an edge they get HLS for capacity. The room, the Space
// and the HLS egress are stand-ins that record what they are told; the tiers are the real ones.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { AudienceSeating } from '../../../src/app/audience-seating.js';
import { AudienceTiers } from '../../../src/app/audience-tiers.js';
import type { SpaceEgress } from '../../../src/app/space-egress.js';
import type { MediaRoomEvents, RoomHandle } from '../../../src/media/room/room-handle.js';
import type { Space } from '../../../src/spaces/index.js';
import type { Participant } from '../../../src/spaces/participant.js';
import type { ServerMessage } from '../../../src/protocol/messages.js';

class EdgeRoom extends EventEmitter<MediaRoomEvents> {
  readonly activeSpeaker = null;
  readonly calls: string[] = [];
  edge = true;
  connect(id: string, options?: { edge?: boolean }) {
    this.calls.push(`connect ${id} edge=${options?.edge === true}`);
  }
  disconnect(id: string) {
    this.calls.push(`disconnect ${id}`);
  }
  setCamera(id: string, on: boolean) {
    this.calls.push(`camera ${id} ${on}`);
  }
  edgeAvailable() {
    return this.edge;
  }
}

function setup(capacity = 1) {
  const participants = new Map<string, Pick<Participant, 'role' | 'camera'>>();
  const space = { participant: (id: string) => participants.get(id) } as unknown as Space;
  const room = new EdgeRoom();
  const tiers = new AudienceTiers(capacity, true);
  const hls: number[] = [];
  const egress = { setHlsAudience: (n: number) => void hls.push(n) } as unknown as SpaceEgress;
  const sent: Array<{ userId: string; msg: ServerMessage }> = [];
  const seating = new AudienceSeating(space, room as unknown as RoomHandle, { tiers, egress, hlsUrl: '/hls/s.m3u8' }, (userId, msg) =>
    sent.push({ userId, msg }),
  );
  const join = (id: string, role: Participant['role'] = 'listener') => participants.set(id, { role, camera: false });
  const tierMsgs = (id: string) => sent.filter((s) => s.userId === id).map((s) => s.msg);
  return { participants, room, tiers, hls, seating, join, tierMsgs };
}

describe('AudienceSeating: listeners on edge nodes', () => {
  it('local places full and an edge available: webrtc, connect with {edge: true}, no local place taken', () => {
    const { room, tiers, seating, join, tierMsgs } = setup(1);
    join('a');
    join('b');
    seating.seat('a');
    assert.equal(tiers.webrtcPeers, 1);
    assert.deepEqual(room.calls, ['connect a edge=false']);
    seating.seat('b');
    assert.equal(seating.tierFor('b'), 'webrtc');
    assert.deepEqual(room.calls, ['connect a edge=false', 'connect b edge=true']);
    assert.equal(tiers.webrtcPeers, 1, 'b holds none of this node’s places');
    assert.deepEqual(tierMsgs('b'), [{ type: 'tier', tier: 'webrtc', reason: 'default', hlsUrl: null }]);
    assert.equal(seating.hlsAudience, 0);
  });

  it('vacating an edge listener gives back no local place and no HLS seat; vacating a local one gives back its place', () => {
    const { room, tiers, seating, join, hls } = setup(1);
    join('a');
    join('b');
    join('c');
    seating.seat('a');
    seating.seat('b');
    room.edge = false;
    seating.seat('c');
    assert.equal(seating.hlsAudience, 1);
    seating.vacate('b');
    assert.equal(tiers.webrtcPeers, 1, 'a still holds the one place');
    assert.equal(seating.tierFor('b'), undefined);
    assert.equal(seating.hlsAudience, 1, 'c is still on HLS');
    assert.equal(hls.at(-1), 1, 'the egress hears the same HLS audience');
    seating.vacate('c');
    assert.equal(seating.hlsAudience, 0);
    seating.vacate('a');
    assert.equal(tiers.webrtcPeers, 0);
  });

  it('an edge listener who comes back after a local place freed up is seated here', () => {
    const { room, tiers, seating, join } = setup(1);
    join('a');
    join('b');
    seating.seat('a');
    seating.seat('b');
    seating.vacate('b');
    seating.vacate('a');
    seating.seat('b');
    assert.equal(room.calls.at(-1), 'connect b edge=false');
    assert.equal(tiers.webrtcPeers, 1);
  });

  it('a re-seat of an edge listener (reconnect) keeps them on the edge, without a local place', () => {
    const { room, tiers, seating, join } = setup(1);
    join('a');
    join('b');
    seating.seat('a');
    seating.seat('b');
    seating.seat('b');
    assert.equal(room.calls.at(-1), 'connect b edge=true');
    assert.equal(tiers.webrtcPeers, 1);
  });

  it('an edge listener who comes on stage takes a stage place here', () => {
    const { participants, tiers, seating, join, tierMsgs } = setup(1);
    join('a');
    join('b');
    seating.seat('a');
    seating.seat('b');
    participants.set('b', { role: 'speaker', camera: false });
    seating.cameOnStage('b');
    assert.equal(tiers.webrtcPeers, 2, 'a stage place for b');
    assert.equal(seating.tierFor('b'), 'webrtc');
    assert.equal(tierMsgs('b').length, 1, 'still on WebRTC: no new tier message');
    // From now on b holds a local place: leaving gives it back.
    seating.vacate('b');
    assert.equal(tiers.webrtcPeers, 1);
  });

  it('a local WebRTC listener coming on stage takes no second place', () => {
    const { participants, tiers, seating, join } = setup(2);
    join('a');
    seating.seat('a');
    participants.set('a', { role: 'speaker', camera: false });
    seating.cameOnStage('a');
    assert.equal(tiers.webrtcPeers, 1);
  });

  it('local places full and no edge: hls for capacity, no connect', () => {
    const { room, tiers, seating, join, tierMsgs, hls } = setup(1);
    join('a');
    join('b');
    seating.seat('a');
    room.edge = false;
    seating.seat('b');
    assert.equal(seating.tierFor('b'), 'hls');
    assert.deepEqual(tierMsgs('b'), [{ type: 'tier', tier: 'hls', reason: 'capacity', hlsUrl: '/hls/s.m3u8' }]);
    assert.deepEqual(room.calls, ['connect a edge=false']);
    assert.equal(tiers.webrtcPeers, 1);
    assert.equal(seating.hlsAudience, 1);
    assert.equal(hls.at(-1), 1);
  });

  it('an edge listener asking for Low data mode moves to HLS, disconnected, giving back no local place', () => {
    const { room, tiers, seating, join } = setup(1);
    join('a');
    join('b');
    seating.seat('a');
    seating.seat('b');
    seating.request('b', 'hls');
    assert.equal(seating.tierFor('b'), 'hls');
    assert.equal(room.calls.at(-1), 'disconnect b');
    assert.equal(tiers.webrtcPeers, 1);
    assert.equal(seating.hlsAudience, 1);
    // Back to WebRTC: the node is still full, an edge is there again.
    seating.request('b', 'webrtc');
    assert.equal(seating.tierFor('b'), 'webrtc');
    assert.equal(room.calls.at(-1), 'connect b edge=true');
    assert.equal(tiers.webrtcPeers, 1);
    assert.equal(seating.hlsAudience, 0);
  });

  it('stage members are never sent to an edge', () => {
    const { room, tiers, seating, join } = setup(0);
    join('host', 'host');
    seating.seat('host');
    assert.deepEqual(room.calls, ['connect host edge=false']);
    assert.equal(tiers.webrtcPeers, 1);
  });
});
