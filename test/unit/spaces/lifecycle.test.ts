// Lifecycle: scheduled -> live -> ended, who may join when, reconnects, the host leaving or
// timing out, and the orderings the UI relies on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, Space } from '../../../src/spaces/index.js';
import {
  HOST,
  T0,
  act,
  addCohost,
  addListener,
  addRequester,
  addSpeaker,
  assertRejected,
  liveSpace,
  person,
  roleOf,
  scheduledSpace,
  snapshot,
} from './helpers.js';

describe('scheduled -> live -> ended', () => {
  it('runs the whole lifecycle with the right timestamps and events', () => {
    const space = scheduledSpace();
    assert.equal(space.state, 'scheduled');
    assert.equal(space.scheduledFor, T0 + 60_000);
    assert.equal(space.startedAt, null);
    assert.deepEqual(space.limits, DEFAULT_LIMITS);

    assert.deepEqual(space.start(HOST, T0 + 10), [{ kind: 'started' }]);
    assert.equal(space.state, 'live');
    assert.equal(space.startedAt, T0 + 10);

    space.join(person(HOST), T0 + 20);
    addListener(space, 'lis');
    assert.deepEqual(act(space, HOST, { action: 'end' }), [{ kind: 'ended', reason: 'host_ended' }]);
    assert.equal(space.state, 'ended');
    assert.equal(space.endReason, 'host_ended');
    assert.equal(space.endedAt, T0);
    // Participants are kept (for the final state broadcast) but nothing more can happen.
    assert.equal(roleOf(space, 'lis'), 'listener');
    assertRejected(space, 'space_ended', () => act(space, HOST, { action: 'muteAll' }));
  });

  it('only the host can start, only once, and not after the end', () => {
    const space = scheduledSpace();
    assertRejected(space, 'not_permitted', () => space.start('someone', T0));
    space.start(HOST, T0);
    assertRejected(space, 'invalid_state', () => space.start(HOST, T0));
    space.end('host_ended', T0 + 1);
    assertRejected(space, 'space_ended', () => space.start(HOST, T0 + 2));
  });

  it('a scheduled Space can be cancelled with end(); end() is idempotent', () => {
    const space = scheduledSpace();
    assert.deepEqual(space.end('cancelled', T0 + 5), [{ kind: 'ended', reason: 'cancelled' }]);
    assert.deepEqual(space.end('again', T0 + 6), []);
    assert.equal(space.endReason, 'cancelled');
    assert.equal(space.endedAt, T0 + 5);
  });

  it('restores an ended Space from storage', () => {
    const space = new Space({
      id: 'x',
      title: 't',
      hostId: HOST,
      hostHandle: '@host',
      state: 'ended',
      startedAt: T0,
      endedAt: T0 + 100,
      endReason: 'host_left',
    });
    assert.equal(space.endReason, 'host_left');
    assertRejected(space, 'space_ended', () => space.join(person(HOST), T0 + 200));
  });
});

describe('join rules per state', () => {
  it('scheduled: only the host may enter, and entering does not start the Space', () => {
    const space = scheduledSpace();
    assertRejected(space, 'space_not_live', () => space.join(person('lis'), T0));
    assert.deepEqual(space.join(person(HOST), T0), [{ kind: 'joined', userId: HOST }]);
    assert.equal(space.state, 'scheduled');
    const host = space.participant(HOST);
    assert.equal(host?.role, 'host');
    assert.equal(host?.connected, true);
    assert.equal(host?.muted, false);
    assert.deepEqual(
      space.stage().map((p) => p.userId),
      [HOST],
    );
  });

  it('live: the host joins on stage, everyone else as a listener (guests too)', () => {
    const space = scheduledSpace();
    space.start(HOST, T0);
    addListener(space, 'early');
    space.join(person(HOST), T0);
    addListener(space, 'g', true);
    assert.equal(roleOf(space, HOST), 'host');
    assert.equal(roleOf(space, 'early'), 'listener');
    assert.equal(space.participant('g')?.guest, true);
    assert.deepEqual(
      space.stage().map((p) => p.userId),
      [HOST],
    );
    assert.equal(space.listenerCount, 2);
  });

  it('ended: nobody may join, not even the host or a former participant', () => {
    const space = liveSpace();
    addListener(space, 'lis');
    space.disconnect('lis');
    space.end('host_ended', T0);
    assertRejected(space, 'space_ended', () => space.join(person(HOST), T0));
    assertRejected(space, 'space_ended', () => space.join(person('lis'), T0));
  });

  it('ended is checked before banned', () => {
    const space = liveSpace({ banned: ['b'] });
    space.end('x', T0);
    assertRejected(space, 'space_ended', () => space.join(person('b'), T0));
  });
});

describe('reconnects', () => {
  it('keeps role, microphone and stage place across a disconnect', () => {
    const space = liveSpace();
    addSpeaker(space, 'a');
    addSpeaker(space, 'b');
    act(space, 'a', { action: 'setMicMuted', muted: true });
    assert.deepEqual(space.disconnect('a'), [{ kind: 'disconnected', userId: 'a' }]);
    assert.deepEqual(space.disconnect('a'), []);
    assert.equal(space.participant('a')?.connected, false);
    assert.equal(roleOf(space, 'a'), 'speaker');

    const before = snapshot(space);
    assert.deepEqual(space.join(person('a'), T0 + 1000), [{ kind: 'reconnected', userId: 'a' }]);
    const p = space.participant('a');
    assert.equal(p?.connected, true);
    assert.equal(p?.role, 'speaker');
    assert.equal(p?.muted, true);
    assert.deepEqual(
      space.stage().map((q) => q.userId),
      before.stage,
    );
  });

  it('a second tab of a connected participant changes nothing', () => {
    const space = liveSpace();
    addRequester(space, 'req');
    const before = snapshot(space);
    assert.deepEqual(space.join(person('req'), T0 + 1), []);
    assert.deepEqual(snapshot(space), before);
  });

  it('a reconnecting listener keeps their pending request and audience position', () => {
    const space = liveSpace();
    addRequester(space, 'a');
    addListener(space, 'b');
    space.disconnect('a');
    space.join(person('a'), T0 + 1);
    assert.deepEqual(
      space.requests().map((p) => p.userId),
      ['a'],
    );
    assert.deepEqual(
      space.listeners().map((p) => p.userId),
      ['a', 'b'],
    );
  });

  it('disconnect and leave of unknown people are no-ops', () => {
    const space = liveSpace();
    const before = snapshot(space);
    assert.deepEqual(space.disconnect('nobody'), []);
    assert.deepEqual(space.leave('nobody'), []);
    assert.deepEqual(space.expireGrace('nobody'), []);
    assert.deepEqual(snapshot(space), before);
  });
});

describe('the host leaving', () => {
  it('hands over to the longest-serving co-host (not the one longest on stage)', () => {
    const space = liveSpace();
    addSpeaker(space, 'veteran');
    addCohost(space, 'first');
    act(space, HOST, { action: 'makeCohost', userId: 'veteran' });
    assert.deepEqual(space.leave(HOST, T0 + 5), [
      { kind: 'left', userId: HOST },
      { kind: 'roleChanged', userId: 'first', from: 'cohost', to: 'host' },
      { kind: 'hostChanged', from: HOST, to: 'first' },
    ]);
    assert.equal(space.hostId, 'first');
    assert.equal(space.hostHandle, '@first');
    assert.equal(space.state, 'live');
    assert.deepEqual(
      space.stage().map((p) => [p.userId, p.role]),
      [
        ['first', 'host'],
        ['veteran', 'cohost'],
      ],
    );
    // The new host has every host power, the old host comes back as a listener.
    act(space, 'first', { action: 'removeCohost', userId: 'veteran' });
    space.join(person(HOST), T0 + 6);
    assert.equal(roleOf(space, HOST), 'listener');
    act(space, 'first', { action: 'end' });
    assert.equal(space.endReason, 'host_ended');
  });

  it('ends the Space with host_left when there is no co-host', () => {
    const space = liveSpace();
    addSpeaker(space, 'spk');
    assert.deepEqual(space.leave(HOST, T0 + 9), [
      { kind: 'left', userId: HOST },
      { kind: 'ended', reason: 'host_left' },
    ]);
    assert.equal(space.state, 'ended');
    assert.equal(space.endedAt, T0 + 9);
    assert.equal(space.hostId, HOST);
  });

  it('falls back to the last known time when leave() gets no clock', () => {
    const space = liveSpace();
    addListener(space, 'lis');
    space.join(person('late'), T0 + 500);
    space.leave(HOST);
    assert.equal(space.endedAt, T0 + 500);
  });

  it('the host leaving a scheduled Space neither ends nor starts it', () => {
    const space = scheduledSpace();
    space.join(person(HOST), T0);
    assert.deepEqual(space.leave(HOST), [{ kind: 'left', userId: HOST }]);
    assert.equal(space.state, 'scheduled');
  });

  it('a non-host leaving is just a departure, and frees their stage place', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    addRequester(space, 'req');
    assert.deepEqual(space.leave('co'), [{ kind: 'left', userId: 'co' }]);
    assert.deepEqual(space.leave('req'), [{ kind: 'left', userId: 'req' }]);
    assert.equal(space.stageCount, 1);
    assert.deepEqual(space.requests(), []);
    assert.equal(space.isBanned('co'), false);
  });
});

describe('grace expiry', () => {
  it('a host who does not come back is replaced by a co-host', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    space.disconnect(HOST);
    const events = space.expireGrace(HOST, T0 + 30_000);
    assert.deepEqual(events.at(-1), { kind: 'hostChanged', from: HOST, to: 'co' });
    assert.equal(space.hostId, 'co');
  });

  it('without a co-host the Space ends with host_timeout', () => {
    const space = liveSpace();
    addListener(space, 'lis');
    space.disconnect(HOST);
    assert.deepEqual(space.expireGrace(HOST, T0 + 30_000), [
      { kind: 'left', userId: HOST },
      { kind: 'ended', reason: 'host_timeout' },
    ]);
    assert.equal(space.endReason, 'host_timeout');
    assert.equal(space.endedAt, T0 + 30_000);
  });

  it('is a no-op if they reconnected meanwhile', () => {
    const space = liveSpace();
    addSpeaker(space, 'spk');
    space.disconnect(HOST);
    space.disconnect('spk');
    space.join(person(HOST), T0 + 1);
    space.join(person('spk'), T0 + 1);
    const before = snapshot(space);
    assert.deepEqual(space.expireGrace(HOST, T0 + 30_000), []);
    assert.deepEqual(space.expireGrace('spk', T0 + 30_000), []);
    assert.deepEqual(snapshot(space), before);
  });

  it('removes a listener who did not come back, who may join again later', () => {
    const space = liveSpace();
    addRequester(space, 'lis');
    space.disconnect('lis');
    assert.deepEqual(space.expireGrace('lis'), [{ kind: 'left', userId: 'lis' }]);
    assert.deepEqual(space.expireGrace('lis'), []);
    assert.deepEqual(space.requests(), []);
    assert.deepEqual(space.join(person('lis'), T0 + 1), [{ kind: 'joined', userId: 'lis' }]);
    assert.equal(space.participant('lis')?.requested, false);
  });

  it('after the end, expiry only removes the participant', () => {
    const space = liveSpace();
    space.end('operator', T0);
    space.disconnect(HOST);
    assert.deepEqual(space.expireGrace(HOST, T0 + 1), [{ kind: 'left', userId: HOST }]);
    assert.equal(space.endReason, 'operator');
  });
});

describe('ordering', () => {
  it('stage: host, then co-hosts, then speakers, each by time on stage', () => {
    const space = liveSpace();
    addSpeaker(space, 's1');
    addCohost(space, 'c1');
    addSpeaker(space, 's2');
    addSpeaker(space, 's3');
    act(space, HOST, { action: 'makeCohost', userId: 's2' });
    act(space, 's1', { action: 'leaveStage' });
    act(space, 's1', { action: 'requestToSpeak' });
    act(space, HOST, { action: 'approve', userId: 's1' });
    assert.deepEqual(
      space.stage().map((p) => p.userId),
      [HOST, 'c1', 's2', 's3', 's1'],
    );
    assert.equal(space.stageCount, 5);
  });

  it('requests: oldest first; cancelling and asking again goes to the back', () => {
    const space = liveSpace();
    addRequester(space, 'a');
    addRequester(space, 'b');
    addRequester(space, 'c');
    act(space, 'a', { action: 'cancelRequest' });
    act(space, 'a', { action: 'requestToSpeak' });
    assert.deepEqual(
      space.requests().map((p) => p.userId),
      ['b', 'c', 'a'],
    );
    act(space, HOST, { action: 'deny', userId: 'c' });
    assert.deepEqual(
      space.requests().map((p) => p.userId),
      ['b', 'a'],
    );
  });

  it('listeners: by join order, with a limit, and listenerCount is exact', () => {
    const space = liveSpace();
    for (const id of ['l1', 'l2', 'l3', 'l4']) addListener(space, id);
    addSpeaker(space, 'spk');
    act(space, HOST, { action: 'moveToAudience', userId: 'spk' });
    assert.deepEqual(
      space.listeners().map((p) => p.userId),
      ['l1', 'l2', 'l3', 'l4', 'spk'],
    );
    assert.deepEqual(
      space.listeners(2).map((p) => p.userId),
      ['l1', 'l2'],
    );
    assert.deepEqual(space.listeners(0), []);
    assert.equal(space.listenerCount, 5);
    // Leaving and rejoining is a new arrival: to the back.
    space.leave('l1');
    space.join(person('l1'), T0);
    assert.deepEqual(
      space.listeners().map((p) => p.userId),
      ['l2', 'l3', 'l4', 'spk', 'l1'],
    );
  });

  it('participants() lists everyone', () => {
    const space = liveSpace();
    addSpeaker(space, 'spk');
    addListener(space, 'lis');
    assert.deepEqual([...space.participants()].map((p) => p.userId).sort(), [HOST, 'lis', 'spk']);
  });
});

describe('camera', () => {
  it('is turned off when its owner leaves the stage, and cannot be turned on from the audience', () => {
    const space = new Space({ id: 's', title: 't', hostId: 'h', hostHandle: 'h', state: 'live' });
    space.join({ userId: 'h', handle: 'h', guest: false }, 1);
    space.join({ userId: 'a', handle: 'a', guest: false }, 2);
    space.act('a', { action: 'requestToSpeak' }, 3);
    space.act('h', { action: 'approve', userId: 'a' }, 4);
    space.act('a', { action: 'setCamera', on: true }, 5);
    assert.equal(space.participant('a')?.camera, true);
    space.act('h', { action: 'moveToAudience', userId: 'a' }, 6);
    assert.equal(space.participant('a')?.camera, false);
    assert.throws(
      () => space.act('a', { action: 'setCamera', on: true }, 7),
      (e: { code?: string }) => e.code === 'invalid_state',
    );
    assert.equal(space.participant('a')?.camera, false);
  });
});
