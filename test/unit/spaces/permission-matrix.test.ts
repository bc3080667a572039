// Table-driven permission matrix: every action x every kind of actor, and every action on a
// Space that is not live (targets are covered in permission-targets.test.ts). Each rejection
// must carry the exact code and leave the Space untouched (assertRejected compares full snapshots).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actionSchema, type Action } from '../../../src/protocol/messages.js';
import { Space, SpaceError, type SpaceErrorCode, type SpaceEvent } from '../../../src/spaces/index.js';
import { HOST, T0, addCohost, addListener, addRequester, addSpeaker, assertRejected, liveSpace, scheduledSpace } from './helpers.js';

type ActorKind = 'host' | 'cohost' | 'speaker' | 'listener' | 'guest' | 'nonParticipant';
type Outcome = 'ok' | SpaceErrorCode;

const ACTORS: Record<ActorKind, string> = {
  host: HOST,
  cohost: 'co1',
  speaker: 'spk1',
  listener: 'lis1',
  guest: 'guest1',
  nonParticipant: 'ghost',
};

/** host, one co-host, two speakers, two listeners, a requester and a guest. */
function standardRoom(): Space {
  const space = liveSpace();
  addCohost(space, 'co1');
  addSpeaker(space, 'spk1');
  addSpeaker(space, 'spk2');
  addListener(space, 'lis1');
  addListener(space, 'lis2');
  addRequester(space, 'req');
  addListener(space, 'guest1', true);
  return space;
}

/** Runs a setup step that is allowed to be rejected (e.g. inviting a speaker). */
function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SpaceError)) throw err;
  }
}

interface Row {
  name: string;
  action: (actorId: string) => Action;
  /** Puts the actor into the state the action needs, where their role allows it. */
  setup?: (space: Space, actorId: string) => void;
  expect: Record<ActorKind, Outcome>;
  verify: (space: Space, actorId: string, events: SpaceEvent[]) => void;
}

const MODERATORS_ONLY = {
  host: 'ok',
  cohost: 'ok',
  speaker: 'not_permitted',
  listener: 'not_permitted',
  guest: 'not_permitted',
  nonParticipant: 'not_found',
} as const;
const HOST_ONLY = { ...MODERATORS_ONLY, cohost: 'not_permitted' } as const;
const ON_STAGE_SELF = {
  host: 'ok',
  cohost: 'ok',
  speaker: 'ok',
  listener: 'invalid_state',
  guest: 'invalid_state',
  nonParticipant: 'not_found',
} as const;
const LISTENER_SELF = {
  host: 'invalid_state',
  cohost: 'invalid_state',
  speaker: 'invalid_state',
  listener: 'ok',
  guest: 'invalid_state',
  nonParticipant: 'not_found',
} as const;

const requestFirst = (space: Space, actorId: string) => attempt(() => space.act(actorId, { action: 'requestToSpeak' }, T0));
const inviteFirst = (space: Space, actorId: string) => attempt(() => space.act(HOST, { action: 'invite', userId: actorId }, T0));

const ROWS: Row[] = [
  {
    name: 'requestToSpeak',
    action: () => ({ action: 'requestToSpeak' }),
    expect: { ...LISTENER_SELF, guest: 'unauthenticated' },
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.requested, true);
      assert.deepEqual(
        space.requests().map((p) => p.userId),
        ['req', a],
      );
      assert.deepEqual(events, [{ kind: 'requestChanged', userId: a, requested: true }]);
    },
  },
  {
    name: 'cancelRequest',
    action: () => ({ action: 'cancelRequest' }),
    setup: requestFirst,
    expect: LISTENER_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.requested, false);
      assert.deepEqual(
        space.requests().map((p) => p.userId),
        ['req'],
      );
      assert.deepEqual(events, [{ kind: 'requestChanged', userId: a, requested: false }]);
    },
  },
  {
    name: 'approve',
    action: () => ({ action: 'approve', userId: 'req' }),
    expect: MODERATORS_ONLY,
    verify: (space, _a, events) => {
      const p = space.participant('req');
      assert.equal(p?.role, 'speaker');
      assert.equal(p?.requested, false);
      // No hot mic: an approved speaker comes on stage muted, with no muteChanged (nobody muted them).
      assert.equal(p?.muted, true);
      assert.deepEqual(space.requests(), []);
      assert.deepEqual(events, [
        { kind: 'roleChanged', userId: 'req', from: 'listener', to: 'speaker' },
        { kind: 'requestChanged', userId: 'req', requested: false },
      ]);
    },
  },
  {
    name: 'deny',
    action: () => ({ action: 'deny', userId: 'req' }),
    expect: MODERATORS_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.participant('req')?.role, 'listener');
      assert.equal(space.participant('req')?.requested, false);
      assert.deepEqual(events, [{ kind: 'requestChanged', userId: 'req', requested: false }]);
    },
  },
  {
    name: 'invite',
    action: () => ({ action: 'invite', userId: 'lis2' }),
    expect: MODERATORS_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.participant('lis2')?.invited, true);
      assert.deepEqual(events, [{ kind: 'inviteChanged', userId: 'lis2', invited: true }]);
    },
  },
  {
    name: 'acceptInvite',
    action: () => ({ action: 'acceptInvite' }),
    setup: inviteFirst,
    expect: LISTENER_SELF,
    verify: (space, a, events) => {
      const p = space.participant(a);
      assert.equal(p?.role, 'speaker');
      assert.equal(p?.invited, false);
      assert.equal(p?.muted, true, 'an invitee comes on stage muted');
      assert.equal(space.stage().at(-1)?.userId, a);
      assert.deepEqual(events, [
        { kind: 'roleChanged', userId: a, from: 'listener', to: 'speaker' },
        { kind: 'inviteChanged', userId: a, invited: false },
      ]);
    },
  },
  {
    name: 'declineInvite',
    action: () => ({ action: 'declineInvite' }),
    setup: inviteFirst,
    expect: LISTENER_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.role, 'listener');
      assert.equal(space.participant(a)?.invited, false);
      assert.deepEqual(events, [{ kind: 'inviteChanged', userId: a, invited: false }]);
    },
  },
  {
    name: 'mute (another speaker)',
    action: () => ({ action: 'mute', userId: 'spk2' }),
    expect: MODERATORS_ONLY,
    verify: (space, a, events) => {
      assert.equal(space.participant('spk2')?.muted, true);
      assert.deepEqual(events, [{ kind: 'muteChanged', userId: 'spk2', muted: true, by: a }]);
    },
  },
  {
    name: 'mute (self)',
    action: (a) => ({ action: 'mute', userId: a }),
    expect: ON_STAGE_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.muted, true);
      assert.deepEqual(events, [{ kind: 'muteChanged', userId: a, muted: true, by: a }]);
    },
  },
  {
    name: 'muteAll',
    action: () => ({ action: 'muteAll' }),
    expect: MODERATORS_ONLY,
    verify: (space, a, events) => {
      const muted = space
        .stage()
        .filter((p) => p.muted)
        .map((p) => p.userId);
      // A co-host's "mute all" spares the host; nobody's spares themselves from their own.
      const expected = a === HOST ? ['co1', 'spk1', 'spk2'] : ['spk1', 'spk2'];
      assert.deepEqual(muted, expected);
      assert.deepEqual(
        events,
        expected.map((userId) => ({ kind: 'muteChanged', userId, muted: true, by: a })),
      );
    },
  },
  {
    name: 'setMicMuted(true)',
    action: () => ({ action: 'setMicMuted', muted: true }),
    expect: ON_STAGE_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.muted, true);
      assert.deepEqual(events, [{ kind: 'muteChanged', userId: a, muted: true, by: a }]);
    },
  },
  {
    name: 'setMicMuted(false) after a moderator muted them',
    action: () => ({ action: 'setMicMuted', muted: false }),
    setup: (space, a) => {
      attempt(() => space.act(HOST, { action: 'mute', userId: a }, T0));
    },
    expect: ON_STAGE_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.muted, false);
      assert.deepEqual(events, [{ kind: 'muteChanged', userId: a, muted: false, by: a }]);
    },
  },
  {
    name: 'setCamera(true)',
    action: () => ({ action: 'setCamera', on: true }),
    expect: ON_STAGE_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.camera, true);
      assert.deepEqual(events, [{ kind: 'cameraChanged', userId: a, on: true }]);
    },
  },
  {
    name: 'setCamera(false) after turning it on',
    action: () => ({ action: 'setCamera', on: false }),
    setup: (space, a) => {
      attempt(() => space.act(a, { action: 'setCamera', on: true }, T0));
    },
    expect: ON_STAGE_SELF,
    verify: (space, a, events) => {
      assert.equal(space.participant(a)?.camera, false);
      assert.deepEqual(events, [{ kind: 'cameraChanged', userId: a, on: false }]);
    },
  },
  {
    name: 'moveToAudience',
    action: () => ({ action: 'moveToAudience', userId: 'spk2' }),
    expect: MODERATORS_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.participant('spk2')?.role, 'listener');
      assert.equal(space.participant('spk2')?.muted, false);
      assert.deepEqual(events, [{ kind: 'roleChanged', userId: 'spk2', from: 'speaker', to: 'listener' }]);
    },
  },
  {
    name: 'leaveStage',
    action: () => ({ action: 'leaveStage' }),
    expect: { ...ON_STAGE_SELF, host: 'invalid_state' },
    verify: (space, a, events) => {
      const from = a === 'co1' ? 'cohost' : 'speaker';
      assert.equal(space.participant(a)?.role, 'listener');
      assert.deepEqual(events, [{ kind: 'roleChanged', userId: a, from, to: 'listener' }]);
    },
  },
  {
    name: 'remove',
    action: () => ({ action: 'remove', userId: 'lis2' }),
    expect: MODERATORS_ONLY,
    verify: (space, a, events) => {
      assert.equal(space.participant('lis2'), undefined);
      assert.equal(space.isBanned('lis2'), true);
      assert.deepEqual(events, [{ kind: 'removed', userId: 'lis2', by: a }]);
    },
  },
  {
    name: 'makeCohost',
    action: () => ({ action: 'makeCohost', userId: 'spk2' }),
    expect: HOST_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.participant('spk2')?.role, 'cohost');
      assert.equal(space.participant('spk2')?.muted, false, 'a live speaker made co-host stays live');
      assert.deepEqual(events, [{ kind: 'roleChanged', userId: 'spk2', from: 'speaker', to: 'cohost' }]);
    },
  },
  {
    name: 'removeCohost',
    action: () => ({ action: 'removeCohost', userId: 'co1' }),
    expect: HOST_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.participant('co1')?.role, 'speaker');
      assert.equal(space.participant('co1')?.muted, false, 'a live co-host dismissed stays live');
      assert.deepEqual(events, [{ kind: 'roleChanged', userId: 'co1', from: 'cohost', to: 'speaker' }]);
    },
  },
  {
    name: 'setRecording',
    action: () => ({ action: 'setRecording', on: true }),
    expect: HOST_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.recording, true);
      assert.deepEqual(events, [{ kind: 'recordingChanged', on: true }]);
    },
  },
  {
    name: 'setGuestComments(false)',
    action: () => ({ action: 'setGuestComments', on: false }),
    expect: HOST_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.guestComments, false);
      assert.deepEqual(events, [{ kind: 'guestCommentsChanged', on: false }]);
    },
  },
  {
    name: "deleteComment (a listener's comment)",
    action: () => ({ action: 'deleteComment', commentId: 'c-lis2' }),
    setup: (space) => void space.comment('lis2', 'c-lis2', T0),
    expect: MODERATORS_ONLY,
    verify: (space, a, events) => {
      assert.equal(space.commentAuthor('c-lis2'), undefined);
      assert.deepEqual(events, [{ kind: 'commentDeleted', commentId: 'c-lis2', authorId: 'lis2', by: a }]);
    },
  },
  {
    name: 'deleteComment (own comment)',
    action: () => ({ action: 'deleteComment', commentId: 'c-own' }),
    // A non-participant cannot comment, so for them the comment does not exist either.
    setup: (space, a) => attempt(() => space.comment(a, 'c-own', T0)),
    expect: { host: 'ok', cohost: 'ok', speaker: 'ok', listener: 'ok', guest: 'ok', nonParticipant: 'not_found' },
    verify: (space, a, events) => {
      assert.equal(space.commentAuthor('c-own'), undefined);
      assert.deepEqual(events, [{ kind: 'commentDeleted', commentId: 'c-own', authorId: a, by: a }]);
    },
  },
  {
    name: "deleteComment (the host's comment)",
    action: () => ({ action: 'deleteComment', commentId: 'c-host' }),
    setup: (space) => void space.comment(HOST, 'c-host', T0),
    expect: HOST_ONLY,
    verify: (space, a, events) => {
      assert.equal(space.commentAuthor('c-host'), undefined);
      assert.deepEqual(events, [{ kind: 'commentDeleted', commentId: 'c-host', authorId: HOST, by: a }]);
    },
  },
  {
    name: 'end',
    action: () => ({ action: 'end' }),
    expect: HOST_ONLY,
    verify: (space, _a, events) => {
      assert.equal(space.state, 'ended');
      assert.equal(space.endReason, 'host_ended');
      assert.equal(space.endedAt, T0 + 5);
      assert.deepEqual(events, [{ kind: 'ended', reason: 'host_ended' }]);
    },
  },
];

const ACTION_NAMES = new Set(ROWS.map((r) => r.action('x').action));

describe('permission matrix: every action x every actor', () => {
  it('covers every action of the protocol', () => {
    // Read from the wire schema, so a new action cannot be added without a row here.
    const all: Action['action'][] = actionSchema.options.map((o) => o.shape.action.value);
    assert.deepEqual([...ACTION_NAMES].sort(), [...all].sort());
  });

  for (const row of ROWS) {
    describe(row.name, () => {
      for (const kind of Object.keys(ACTORS) as ActorKind[]) {
        const outcome = row.expect[kind];
        it(`${kind} -> ${outcome}`, () => {
          const space = standardRoom();
          const actorId = ACTORS[kind];
          row.setup?.(space, actorId);
          if (outcome === 'ok') {
            const events = space.act(actorId, row.action(actorId), T0 + 5);
            row.verify(space, actorId, events);
          } else {
            assertRejected(space, outcome, () => space.act(actorId, row.action(actorId), T0 + 5));
          }
        });
      }
    });
  }
});

describe('permission matrix: Space state is checked before anything else', () => {
  const everyone = [...Object.values(ACTORS), 'req', 'lis2', 'spk2'];
  for (const row of ROWS) {
    it(`${row.name} on a scheduled Space -> space_not_live for every actor`, () => {
      const space = scheduledSpace();
      space.join({ userId: HOST, handle: '@host', guest: false }, T0);
      for (const actorId of everyone) {
        assertRejected(space, 'space_not_live', () => space.act(actorId, row.action(actorId), T0));
      }
    });
    it(`${row.name} on an ended Space -> space_ended for every actor`, () => {
      const space = standardRoom();
      space.act(HOST, { action: 'invite', userId: 'lis1' }, T0);
      space.act(HOST, { action: 'end' }, T0);
      for (const actorId of everyone) {
        assertRejected(space, 'space_ended', () => space.act(actorId, row.action(actorId), T0));
      }
    });
  }
});
