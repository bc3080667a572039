// Table-driven permission matrix, part two: every targeted moderator action, by the host and
// by a co-host, x every kind of target; and lower roles are refused before any target lookup.
// Each rejection must carry the exact code and leave the Space untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../../../src/protocol/messages.js';
import type { Space, SpaceErrorCode } from '../../../src/spaces/index.js';
import { MAX_BANS } from '../../../src/spaces/limits.js';
import { HOST, T0, act, addCohost, addInvitee, addListener, addRequester, addSpeaker, assertRejected, liveSpace, person, snapshot } from './helpers.js';

type Outcome = 'ok' | SpaceErrorCode;

// ---- Moderator actions x every kind of target.

type TargetKind = 'host' | 'self' | 'otherCohost' | 'speaker' | 'listener' | 'guest' | 'requester' | 'invitee' | 'missing';
const TARGET_KINDS: TargetKind[] = ['host', 'self', 'otherCohost', 'speaker', 'listener', 'guest', 'requester', 'invitee', 'missing'];

/** Room with room for a third co-host, so makeCohost's own rules are what gets tested. */
function targetRoom(): Space {
  const space = liveSpace({ limits: { maxCohosts: 3, maxStage: 13 } });
  addCohost(space, 'co1');
  addCohost(space, 'co2');
  addSpeaker(space, 'spk');
  addListener(space, 'lis');
  addListener(space, 'guest', true);
  addRequester(space, 'req');
  addInvitee(space, 'inv');
  return space;
}

function targetId(kind: TargetKind, actorId: string): string {
  switch (kind) {
    case 'host':
      return HOST;
    case 'self':
      return actorId;
    case 'otherCohost':
      return 'co2';
    case 'speaker':
      return 'spk';
    case 'listener':
      return 'lis';
    case 'guest':
      return 'guest';
    case 'requester':
      return 'req';
    case 'invitee':
      return 'inv';
    case 'missing':
      return 'ghost';
  }
}

type TargetAction = 'approve' | 'deny' | 'invite' | 'mute' | 'moveToAudience' | 'remove' | 'makeCohost' | 'removeCohost';
const I = 'invalid_state',
  P = 'not_permitted',
  N = 'not_found';
const TARGET_MATRIX: Record<'host' | 'cohost', Record<TargetAction, Record<TargetKind, Outcome>>> = {
  host: {
    //               host self otherCohost speaker listener guest requester invitee missing
    approve: { host: I, self: I, otherCohost: I, speaker: I, listener: I, guest: I, requester: 'ok', invitee: I, missing: N },
    deny: { host: I, self: I, otherCohost: I, speaker: I, listener: I, guest: I, requester: 'ok', invitee: I, missing: N },
    invite: { host: I, self: I, otherCohost: I, speaker: I, listener: 'ok', guest: P, requester: 'ok', invitee: I, missing: N },
    mute: { host: 'ok', self: 'ok', otherCohost: 'ok', speaker: 'ok', listener: I, guest: I, requester: I, invitee: I, missing: N },
    moveToAudience: { host: P, self: P, otherCohost: 'ok', speaker: 'ok', listener: I, guest: I, requester: I, invitee: I, missing: N },
    remove: { host: I, self: I, otherCohost: 'ok', speaker: 'ok', listener: 'ok', guest: 'ok', requester: 'ok', invitee: 'ok', missing: 'ok' },
    makeCohost: { host: I, self: I, otherCohost: I, speaker: 'ok', listener: 'ok', guest: P, requester: 'ok', invitee: 'ok', missing: N },
    removeCohost: { host: I, self: I, otherCohost: 'ok', speaker: I, listener: I, guest: I, requester: I, invitee: I, missing: N },
  },
  cohost: {
    approve: { host: I, self: I, otherCohost: I, speaker: I, listener: I, guest: I, requester: 'ok', invitee: I, missing: N },
    deny: { host: I, self: I, otherCohost: I, speaker: I, listener: I, guest: I, requester: 'ok', invitee: I, missing: N },
    invite: { host: I, self: I, otherCohost: I, speaker: I, listener: 'ok', guest: P, requester: 'ok', invitee: I, missing: N },
    mute: { host: P, self: 'ok', otherCohost: 'ok', speaker: 'ok', listener: I, guest: I, requester: I, invitee: I, missing: N },
    moveToAudience: { host: P, self: P, otherCohost: P, speaker: 'ok', listener: I, guest: I, requester: I, invitee: I, missing: N },
    remove: { host: P, self: I, otherCohost: P, speaker: 'ok', listener: 'ok', guest: 'ok', requester: 'ok', invitee: 'ok', missing: 'ok' },
    makeCohost: { host: P, self: P, otherCohost: P, speaker: P, listener: P, guest: P, requester: P, invitee: P, missing: P },
    removeCohost: { host: P, self: P, otherCohost: P, speaker: P, listener: P, guest: P, requester: P, invitee: P, missing: P },
  },
};

/** What a successful targeted action must have done to the target. */
function verifyTargeted(space: Space, action: TargetAction, target: string, before: ReturnType<typeof snapshot>): void {
  const p = space.participant(target);
  const was = before.participants.find((q) => q.userId === target);
  // Only a block reaches someone who is not here (see the absent-block tests).
  assert.ok(was || action === 'remove', 'target existed before');
  switch (action) {
    case 'approve':
      assert.equal(p?.role, 'speaker');
      assert.equal(p?.requested, false);
      assert.equal(p?.invited, false);
      assert.equal(p?.muted, true, 'a newcomer to the stage is muted');
      break;
    case 'deny':
      assert.equal(p?.role, 'listener');
      assert.equal(p?.requested, false);
      break;
    case 'invite':
      assert.equal(p?.invited, true);
      break;
    case 'mute':
      assert.equal(p?.muted, true);
      break;
    case 'moveToAudience':
      assert.equal(p?.role, 'listener');
      assert.equal(p?.muted, false);
      break;
    case 'remove':
      assert.equal(p, undefined);
      assert.equal(space.isBanned(target), true);
      break;
    case 'makeCohost':
      assert.equal(p?.role, 'cohost');
      assert.equal(p?.requested, false);
      assert.equal(p?.invited, false);
      // From the audience: muted on arrival; already on stage: as they were.
      assert.equal(p?.muted, was?.role === 'listener' ? true : was?.muted);
      break;
    case 'removeCohost':
      assert.equal(p?.role, 'speaker');
      break;
  }
}

describe('permission matrix: moderator actions x every target', () => {
  for (const actorKind of ['host', 'cohost'] as const) {
    const actorId = actorKind === 'host' ? HOST : 'co1';
    for (const [action, byTarget] of Object.entries(TARGET_MATRIX[actorKind]) as [TargetAction, Record<TargetKind, Outcome>][]) {
      for (const targetKind of TARGET_KINDS) {
        const outcome = byTarget[targetKind];
        it(`${actorKind} ${action} ${targetKind} -> ${outcome}`, () => {
          const space = targetRoom();
          const target = targetId(targetKind, actorId);
          const body = { action, userId: target } as Action;
          if (outcome === 'ok') {
            const before = snapshot(space);
            space.act(actorId, body, T0);
            verifyTargeted(space, action, target, before);
          } else {
            assertRejected(space, outcome, () => space.act(actorId, body, T0));
          }
        });
      }
    }
  }

  for (const [kind, actorId] of [
    ['speaker', 'spk'],
    ['listener', 'lis'],
    ['guest', 'guest'],
  ] as const) {
    it(`${kind}: every targeted moderator action on any target -> not_permitted (role before target)`, () => {
      const space = targetRoom();
      for (const action of Object.keys(TARGET_MATRIX.host) as TargetAction[]) {
        for (const targetKind of TARGET_KINDS) {
          const target = targetId(targetKind, actorId);
          // Muting oneself is the one targeted action anyone may take.
          if (action === 'mute' && target === actorId) continue;
          assertRejected(space, 'not_permitted', () => space.act(actorId, { action, userId: target } as Action, T0));
        }
      }
    });
  }
});

describe('blocking someone who is not here', () => {
  it('a moderator blocks a person who left: they cannot rejoin, and the block is one removed event', () => {
    const space = liveSpace();
    addListener(space, 'troll');
    space.leave('troll', T0);
    const events = act(space, HOST, { action: 'remove', userId: 'troll' });
    assert.deepEqual(events, [{ kind: 'removed', userId: 'troll', by: HOST }]);
    assert.equal(space.isBanned('troll'), true);
    assertRejected(space, 'banned', () => space.join(person('troll'), T0));
  });

  it('blocking again changes nothing and reports nothing', () => {
    const space = liveSpace();
    act(space, HOST, { action: 'remove', userId: 'gone' });
    const before = snapshot(space);
    assert.deepEqual(act(space, HOST, { action: 'remove', userId: 'gone' }), []);
    assert.deepEqual(snapshot(space), before);
  });

  it('a co-host may block an absent person too; speakers and listeners may not', () => {
    const space = liveSpace();
    addCohost(space, 'co1');
    addSpeaker(space, 'spk');
    addListener(space, 'lis');
    assert.equal(act(space, 'co1', { action: 'remove', userId: 'gone' }).length, 1);
    assertRejected(space, 'not_permitted', () => act(space, 'spk', { action: 'remove', userId: 'other' }));
    assertRejected(space, 'not_permitted', () => act(space, 'lis', { action: 'remove', userId: 'other' }));
  });

  it('a Space blocks at most MAX_BANS people; past that, a block is refused and nothing changes', () => {
    const space = liveSpace();
    for (let i = 0; i < MAX_BANS; i++) act(space, HOST, { action: 'remove', userId: `u${i}` });
    assertRejected(space, 'invalid_state', () => act(space, HOST, { action: 'remove', userId: 'one-more' }));
    // Someone present can still be removed: the cap only stops bans from growing on absent ids.
    addListener(space, 'here');
    assert.equal(act(space, HOST, { action: 'remove', userId: 'here' }).length, 1);
    assert.equal(space.participant('here'), undefined);
  });
});
