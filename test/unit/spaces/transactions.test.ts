// The domain's transactions and its stored live state: rollback() puts a Space back exactly
// as it was, whatever the commands did; members() is what a restart needs to bring everyone
// back in the same place; and a host who never comes ends the Space (or hands it over).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Space, SpaceError } from '../../../src/spaces/index.js';
import type { Action } from '../../../src/protocol/messages.js';
import { HOST, T0, addCohost, addListener, addRequester, addSpeaker, liveSpace, person, snapshot } from './helpers.js';

const PEOPLE = [HOST, 'a', 'b', 'c', 'd', 'e', 'g1'];

/** A command on a Space, as the app layer would give it (any actor, any target, valid or not). */
const commandArb = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), who: fc.constantFrom(...PEOPLE) }),
  fc.record({ kind: fc.constant('disconnect' as const), who: fc.constantFrom(...PEOPLE) }),
  fc.record({ kind: fc.constant('leave' as const), who: fc.constantFrom(...PEOPLE) }),
  fc.record({ kind: fc.constant('expire' as const), who: fc.constantFrom(...PEOPLE) }),
  fc.record({
    kind: fc.constant('act' as const),
    who: fc.constantFrom(...PEOPLE),
    action: fc.oneof(
      fc.constantFrom<Action>(
        { action: 'requestToSpeak' },
        { action: 'cancelRequest' },
        { action: 'acceptInvite' },
        { action: 'declineInvite' },
        { action: 'muteAll' },
        { action: 'leaveStage' },
        { action: 'end' },
        { action: 'setRecording', on: true },
        { action: 'setGuestComments', on: false },
        { action: 'setMicMuted', muted: true },
        { action: 'setMicMuted', muted: false },
        { action: 'setCamera', on: true },
      ),
      fc
        .record({
          action: fc.constantFrom('approve', 'deny', 'invite', 'mute', 'moveToAudience', 'remove', 'makeCohost', 'removeCohost'),
          userId: fc.constantFrom(...PEOPLE, 'absent'),
        })
        .map((a) => a as Action),
    ),
  }),
);
type Command = typeof commandArb extends fc.Arbitrary<infer C> ? C : never;

function run(space: Space, c: Command, now: number): void {
  try {
    switch (c.kind) {
      case 'join':
        space.join(person(c.who, c.who === 'g1'), now);
        return;
      case 'disconnect':
        space.disconnect(c.who);
        return;
      case 'leave':
        space.leave(c.who, now);
        return;
      case 'expire':
        space.expireGrace(c.who, now);
        return;
      case 'act':
        space.act(c.who, c.action, now);
        return;
    }
  } catch (err) {
    if (!(err instanceof SpaceError)) throw err;
  }
}

describe('Space transactions', () => {
  it('rollback undoes any batch of commands exactly, and commit keeps them', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 25 }), fc.array(commandArb, { minLength: 1, maxLength: 6 }), (setup, batch) => {
        const build = () => {
          const space = liveSpace();
          setup.forEach((c, i) => run(space, c, T0 + 1 + i));
          return space;
        };
        const runBatch = (space: Space) => batch.forEach((c, j) => run(space, c, T0 + 1000 + j));
        const space = build();
        const before = snapshot(space);
        space.begin();
        runBatch(space);
        space.rollback();
        assert.deepEqual(snapshot(space), before);
        // Committed, the same batch gives what running it outright gives.
        space.begin();
        runBatch(space);
        space.commit();
        const outright = build();
        runBatch(outright);
        assert.deepEqual(snapshot(space), snapshot(outright));
      }),
      { numRuns: 400 },
    );
  });

  it('a removal rolled back puts the person back in their place in the audience', () => {
    const space = liveSpace();
    for (const id of ['a', 'b', 'c']) addListener(space, id);
    const before = snapshot(space);
    space.begin();
    space.act(HOST, { action: 'remove', userId: 'a' }, T0 + 1);
    assert.equal(space.isBanned('a'), true);
    space.rollback();
    assert.deepEqual(snapshot(space), before);
    assert.deepEqual(
      space.listeners().map((p) => p.userId),
      ['a', 'b', 'c'],
    );
  });

  it('refuses a second begin() before commit or rollback', () => {
    const space = liveSpace();
    space.begin();
    assert.throws(() => space.begin(), /already open/);
    space.commit();
    space.begin();
    space.rollback();
  });
});

describe('stored live state', () => {
  function restored(space: Space): Space {
    return new Space({
      id: space.id,
      title: space.title,
      hostId: space.hostId,
      hostHandle: space.hostHandle,
      state: space.state,
      startedAt: space.startedAt,
      banned: space.bannedUsers(),
      guestComments: space.guestComments,
      members: space.members(),
      memberSeq: space.memberSeq,
    });
  }

  it('brings back the stage, co-hosts, requests, invitations and mutes, everyone disconnected', () => {
    const space = liveSpace();
    addCohost(space, 'co');
    addSpeaker(space, 'sp');
    addSpeaker(space, 'sp2');
    addRequester(space, 'req');
    addListener(space, 'inv');
    space.act(HOST, { action: 'invite', userId: 'inv' }, T0);
    addListener(space, 'plain');
    space.act(HOST, { action: 'mute', userId: 'sp' }, T0);
    space.act('sp2', { action: 'setCamera', on: true }, T0);
    const back = restored(space);
    assert.deepEqual(
      back.stage().map((p) => [p.userId, p.role, p.muted, p.camera]),
      space.stage().map((p) => [p.userId, p.role, p.muted, p.camera]),
    );
    assert.deepEqual(
      back.requests().map((p) => p.userId),
      ['req'],
    );
    assert.equal(back.participant('inv')?.invited, true);
    assert.equal(back.participant('plain'), undefined, 'a plain listener just joins again');
    assert.ok(
      [...back.participants()].every((p) => !p.connected),
      'nobody is connected after a restart',
    );
    // They come back in the same role, and the orders hold against newcomers.
    assert.deepEqual(back.join(person('sp'), T0 + 5), [{ kind: 'reconnected', userId: 'sp' }]);
    assert.equal(back.participant('sp')?.role, 'speaker');
    assert.equal(back.participant('sp')?.muted, true);
    addRequester(back, 'late');
    assert.deepEqual(
      back.requests().map((p) => p.userId),
      ['req', 'late'],
    );
    back.act(HOST, { action: 'makeCohost', userId: 'sp2' }, T0 + 6);
    back.join(person(HOST), T0 + 7);
    back.leave(HOST, T0 + 8);
    assert.equal(back.hostId, 'co', 'the co-host who served longest takes over, as before the restart');
  });

  it('a restored participant who does not come back leaves when their grace runs out', () => {
    const space = liveSpace();
    addSpeaker(space, 'sp');
    const back = restored(space);
    assert.deepEqual(back.expireGrace('sp', T0 + 1), [{ kind: 'left', userId: 'sp' }]);
    assert.equal(back.stageCount, 1);
  });
});

describe('a host who never comes', () => {
  function liveWithoutHost(): Space {
    const space = new Space({ id: 's', title: 't', hostId: HOST, hostHandle: '@host', state: 'scheduled' });
    space.start(HOST, T0);
    return space;
  }

  it('ends the Space when the grace runs out, as host_timeout', () => {
    const space = liveWithoutHost();
    addListener(space, 'a');
    assert.deepEqual(space.expireGrace(HOST, T0 + 30_000), [{ kind: 'ended', reason: 'host_timeout' }]);
    assert.equal(space.state, 'ended');
  });

  it('hands the Space to the co-host who served longest, if one is here', () => {
    const space = restoredWithCohost();
    const events = space.expireGrace(HOST, T0 + 30_000);
    assert.deepEqual(events.at(-1), { kind: 'hostChanged', from: HOST, to: 'co' });
    assert.equal(space.hostId, 'co');
    assert.equal(space.state, 'live');
  });

  it('does nothing once the host has joined', () => {
    const space = liveWithoutHost();
    space.join(person(HOST), T0 + 1);
    assert.deepEqual(space.expireGrace(HOST, T0 + 30_000), []);
  });

  function restoredWithCohost(): Space {
    const space = liveSpace();
    addCohost(space, 'co');
    const members = space.members().filter((m) => m.userId !== HOST);
    return new Space({ id: 's', title: 't', hostId: HOST, hostHandle: '@host', state: 'live', startedAt: T0, members, memberSeq: space.memberSeq });
  }
});
