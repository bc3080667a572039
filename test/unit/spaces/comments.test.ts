// Chat in the domain: who may comment and react, who may delete which comment (every actor x
// every kind of author), the host's guest-comments switch, a removed person, and the bounded
// memory of authors. Every rejection carries its exact code and changes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../../../src/protocol/messages.js';
import { REMEMBERED_COMMENTS, canDeleteComment, type Space, type SpaceErrorCode } from '../../../src/spaces/index.js';
import { HOST, T0, addCohost, addListener, addRequester, addSpeaker, assertRejected, liveSpace, person, scheduledSpace, snapshot } from './helpers.js';

type Outcome = 'ok' | SpaceErrorCode;

/** host, two co-hosts, a speaker, a listener, a requester, a guest, and one who will leave. */
function room(): Space {
  const space = liveSpace({ limits: { maxCohosts: 3, maxStage: 13 } });
  addCohost(space, 'co1');
  addCohost(space, 'co2');
  addSpeaker(space, 'spk');
  addListener(space, 'lis');
  addRequester(space, 'req');
  addListener(space, 'guest', true);
  addListener(space, 'leaver');
  addListener(space, 'troll');
  return space;
}

const del = (commentId: string): Action => ({ action: 'deleteComment', commentId });

describe('comment: who may post', () => {
  const cases: Array<[string, string, Outcome]> = [
    ['host', HOST, 'ok'],
    ['co-host', 'co1', 'ok'],
    ['speaker', 'spk', 'ok'],
    ['listener', 'lis', 'ok'],
    ['requester', 'req', 'ok'],
    ['guest', 'guest', 'ok'],
    ['someone not in the Space', 'ghost', 'not_found'],
  ];
  for (const [name, userId, outcome] of cases) {
    it(`${name} -> ${outcome}`, () => {
      const space = room();
      if (outcome === 'ok') {
        assert.deepEqual(space.comment(userId, 'c1', T0 + 1), [{ kind: 'commented', commentId: 'c1', userId }]);
        assert.equal(space.commentAuthor('c1'), userId);
      } else {
        assertRejected(space, outcome, () => space.comment(userId, 'c1', T0 + 1));
      }
    });
  }

  it('a disconnected participant (in their grace period) is still in the Space and may', () => {
    const space = room();
    space.disconnect('lis');
    assert.equal(space.comment('lis', 'c1', T0).length, 1);
  });

  it('a scheduled Space refuses with space_not_live, an ended one with space_ended', () => {
    const scheduled = scheduledSpace();
    scheduled.join(person(HOST), T0);
    assertRejected(scheduled, 'space_not_live', () => scheduled.comment(HOST, 'c1', T0));
    const ended = room();
    ended.act(HOST, { action: 'end' }, T0);
    assertRejected(ended, 'space_ended', () => ended.comment('lis', 'c1', T0));
  });

  it('a comment id is used once', () => {
    const space = room();
    space.comment('lis', 'c1', T0);
    assertRejected(space, 'invalid_state', () => space.comment('spk', 'c1', T0));
    assert.equal(space.commentAuthor('c1'), 'lis');
  });
});

describe('guest comments', () => {
  it('are on by default; the host turns them off and guests are refused, everyone else is not', () => {
    const space = room();
    assert.equal(space.guestComments, true);
    assert.deepEqual(space.act(HOST, { action: 'setGuestComments', on: false }, T0), [{ kind: 'guestCommentsChanged', on: false }]);
    assertRejected(space, 'not_permitted', () => space.comment('guest', 'g1', T0));
    for (const id of [HOST, 'co1', 'spk', 'lis']) assert.equal(space.comment(id, `c-${id}`, T0).length, 1);
    // Reacting is not commenting: guests still may.
    assert.equal(space.react('guest', '👏', T0).length, 1);
    space.act(HOST, { action: 'setGuestComments', on: true }, T0);
    assert.equal(space.comment('guest', 'g1', T0).length, 1);
  });

  it('setting the same value again reports nothing', () => {
    const space = room();
    assert.deepEqual(space.act(HOST, { action: 'setGuestComments', on: true }, T0), []);
  });

  it('a Space can start with them off', () => {
    const space = liveSpace({ guestComments: false });
    addListener(space, 'guest', true);
    assertRejected(space, 'not_permitted', () => space.comment('guest', 'g1', T0));
  });
});

describe('react', () => {
  it('anyone in the live Space may, with an event and no change of state', () => {
    const space = room();
    for (const id of [HOST, 'co1', 'spk', 'lis', 'guest']) {
      const before = snapshot(space);
      assert.deepEqual(space.react(id, '🔥', T0), [{ kind: 'reacted', userId: id, emoji: '🔥' }]);
      assert.deepEqual(snapshot(space), before);
    }
  });

  it('refuses people not in the Space, removed people, and Spaces that are not live', () => {
    const space = room();
    assertRejected(space, 'not_found', () => space.react('ghost', '🔥', T0));
    space.act(HOST, { action: 'remove', userId: 'troll' }, T0);
    assertRejected(space, 'banned', () => space.react('troll', '🔥', T0));
    space.act(HOST, { action: 'end' }, T0);
    assertRejected(space, 'space_ended', () => space.react('lis', '🔥', T0));
  });
});

describe('a removed person (the block)', () => {
  it('can neither comment nor rejoin; their earlier comments can still be deleted by a co-host', () => {
    const space = room();
    space.comment('troll', 'bad', T0);
    space.act('co1', { action: 'remove', userId: 'troll' }, T0);
    assertRejected(space, 'banned', () => space.comment('troll', 'again', T0));
    assertRejected(space, 'banned', () => space.join(person('troll'), T0));
    // Gone from the Space, they rank as a listener for their old comments.
    assert.deepEqual(space.act('co1', del('bad'), T0), [{ kind: 'commentDeleted', commentId: 'bad', authorId: 'troll', by: 'co1' }]);
  });
});

// ---- deleteComment: every actor x every kind of author.

type AuthorKind = 'host' | 'self' | 'otherCohost' | 'speaker' | 'listener' | 'guest' | 'departed' | 'removed' | 'missing' | 'deleted';
const AUTHOR_KINDS: AuthorKind[] = ['host', 'self', 'otherCohost', 'speaker', 'listener', 'guest', 'departed', 'removed', 'missing', 'deleted'];
type ActorKind = 'host' | 'cohost' | 'speaker' | 'listener' | 'guest';
const ACTOR_IDS: Record<ActorKind, string> = { host: HOST, cohost: 'co1', speaker: 'spk', listener: 'lis', guest: 'guest' };

const P = 'not_permitted',
  N = 'not_found';
const DELETE_MATRIX: Record<ActorKind, Record<AuthorKind, Outcome>> = {
  //        host       self        otherCohost     speaker        listener        guest        departed        removed        missing  deleted
  host: { host: 'ok', self: 'ok', otherCohost: 'ok', speaker: 'ok', listener: 'ok', guest: 'ok', departed: 'ok', removed: 'ok', missing: N, deleted: N },
  cohost: { host: P, self: 'ok', otherCohost: P, speaker: 'ok', listener: 'ok', guest: 'ok', departed: 'ok', removed: 'ok', missing: N, deleted: N },
  speaker: { host: P, self: 'ok', otherCohost: P, speaker: P, listener: P, guest: P, departed: P, removed: P, missing: N, deleted: N },
  listener: { host: P, self: 'ok', otherCohost: P, speaker: P, listener: P, guest: P, departed: P, removed: P, missing: N, deleted: N },
  guest: { host: P, self: 'ok', otherCohost: P, speaker: P, listener: P, guest: P, departed: P, removed: P, missing: N, deleted: N },
};

/** Posts the comment `target` for the author kind (from the actor's point of view) and returns its id and author. */
function commentBy(space: Space, kind: AuthorKind, actorId: string): { id: string; author: string } {
  const id = `c-${kind}`;
  const authorByKind: Record<AuthorKind, string> = {
    host: HOST,
    self: actorId,
    // For a co-host actor the "other" co-host is co2; for anyone else, co2 as well.
    otherCohost: 'co2',
    // The speaker, listener and guest authors are other people than the actor of the same role.
    speaker: actorId === 'spk' ? 'spk2' : 'spk',
    listener: actorId === 'lis' ? 'lis2' : 'lis',
    guest: actorId === 'guest' ? 'guest2' : 'guest',
    departed: 'leaver',
    removed: 'troll',
    missing: 'nobody',
    deleted: 'req',
  };
  const author = authorByKind[kind];
  if (author === 'spk2') addSpeaker(space, 'spk2');
  if (author === 'lis2') addListener(space, 'lis2');
  if (author === 'guest2') addListener(space, 'guest2', true);
  if (kind === 'missing') return { id, author };
  space.comment(author, id, T0);
  if (kind === 'departed') space.leave('leaver', T0);
  if (kind === 'removed') space.act(HOST, { action: 'remove', userId: 'troll' }, T0);
  if (kind === 'deleted') space.act(HOST, del(id), T0);
  return { id, author };
}

describe('deleteComment: every actor x every author', () => {
  for (const [actorKind, byAuthor] of Object.entries(DELETE_MATRIX) as [ActorKind, Record<AuthorKind, Outcome>][]) {
    for (const authorKind of AUTHOR_KINDS) {
      const outcome = byAuthor[authorKind];
      it(`${actorKind} deletes the ${authorKind}'s comment -> ${outcome}`, () => {
        const space = room();
        const actorId = ACTOR_IDS[actorKind];
        const { id, author } = commentBy(space, authorKind, actorId);
        if (outcome === 'ok') {
          const events = space.act(actorId, del(id), T0 + 1);
          assert.deepEqual(events, [{ kind: 'commentDeleted', commentId: id, authorId: author, by: actorId }]);
          assert.equal(space.commentAuthor(id), undefined);
          // Deleting it again: it is gone.
          assertRejected(space, 'not_found', () => space.act(actorId, del(id), T0 + 2));
        } else {
          assertRejected(space, outcome, () => space.act(actorId, del(id), T0 + 1));
        }
      });
    }
  }

  it('the rule itself, role by role', () => {
    // Own comments always; otherwise strictly outranking the author (a departed author is a listener).
    assert.equal(canDeleteComment('listener', 'host', true), true);
    assert.equal(canDeleteComment('cohost', 'host', false), false);
    assert.equal(canDeleteComment('cohost', 'cohost', false), false);
    assert.equal(canDeleteComment('cohost', 'speaker', false), true);
    assert.equal(canDeleteComment('cohost', null, false), true);
    assert.equal(canDeleteComment('host', 'cohost', false), true);
    assert.equal(canDeleteComment('speaker', 'listener', false), false);
    assert.equal(canDeleteComment('speaker', null, false), false);
  });

  it("a co-host demoted to speaker can no longer delete a listener's comment; the host can delete the ex-co-host's", () => {
    const space = room();
    space.comment('lis', 'c1', T0);
    space.comment('co1', 'c2', T0);
    space.act(HOST, { action: 'removeCohost', userId: 'co1' }, T0);
    assertRejected(space, 'not_permitted', () => space.act('co1', del('c1'), T0));
    space.act(HOST, del('c2'), T0);
  });

  it("after a host handover, the new host may delete the old host's comments", () => {
    const space = room();
    space.comment(HOST, 'h1', T0);
    space.leave(HOST, T0);
    assert.equal(space.hostId, 'co1');
    assert.equal(space.act('co1', del('h1'), T0).length, 1);
  });

  it('on a Space that is not live: space_ended before anything else', () => {
    const space = room();
    space.comment('lis', 'c1', T0);
    space.act(HOST, { action: 'end' }, T0);
    assertRejected(space, 'space_ended', () => space.act(HOST, del('c1'), T0));
  });
});

describe('the memory of authors', () => {
  it(`keeps the latest ${REMEMBERED_COMMENTS}; an older one is not_found until the app layer recalls it`, () => {
    const space = room();
    for (let i = 0; i <= REMEMBERED_COMMENTS; i++) space.comment('lis', `c${i}`, T0);
    assert.equal([...space.rememberedComments()].length, REMEMBERED_COMMENTS);
    assert.equal(space.commentAuthor('c0'), undefined);
    assert.equal(space.commentAuthor('c1'), 'lis');
    assertRejected(space, 'not_found', () => space.act('co1', del('c0'), T0));
    space.rememberComment('c0', 'lis');
    assert.equal(space.act('co1', del('c0'), T0).length, 1);
  });

  it("rememberComment never overrides what the domain knows (a client cannot pass off a comment as someone else's)", () => {
    const space = room();
    space.comment(HOST, 'h1', T0);
    space.rememberComment('h1', 'lis');
    assert.equal(space.commentAuthor('h1'), HOST);
    assertRejected(space, 'not_permitted', () => space.act('lis', del('h1'), T0));
  });
});
