// On HLS the chat runs with what is heard: other people's comments are held back by the
// player's delay; one's own and the history are not; deletions are never held.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commentsHeardBy } from '../../../web/src/state/chat.js';
import type { CommentView } from '../../../src/protocol/messages.js';

const comment = (id: string, userId: string): CommentView => ({ id, userId, handle: `@${userId}`, text: id, at: '2026-11-26T10:00:00.000Z' });

describe('commentsHeardBy', () => {
  const list = [comment('old', 'ann'), comment('mine', 'me'), comment('new', 'bob')];
  const arrived = new Map([
    ['old', 0],
    ['mine', 10_000],
    ['new', 10_000],
  ]);

  it('without a delay (WebRTC), everything shows, as the same list', () => {
    const r = commentsHeardBy(list, arrived, 0, 'me', 10_000);
    assert.equal(r.shown, list);
    assert.equal(r.nextAt, null);
  });

  it('holds a new comment from someone else for the delay, and says when it is due', () => {
    const r = commentsHeardBy(list, arrived, 2500, 'me', 10_100);
    assert.deepEqual(
      r.shown.map((c) => c.id),
      ['old', 'mine'],
    );
    assert.equal(r.nextAt, 12_500);
  });

  it('shows it once the delay has passed', () => {
    const r = commentsHeardBy(list, arrived, 2500, 'me', 12_500);
    assert.deepEqual(
      r.shown.map((c) => c.id),
      ['old', 'mine', 'new'],
    );
    assert.equal(r.nextAt, null);
  });

  it('a comment with no recorded arrival counts as history: shown at once', () => {
    const r = commentsHeardBy([comment('unknown', 'bob')], new Map(), 2500, 'me', 1000);
    assert.deepEqual(
      r.shown.map((c) => c.id),
      ['unknown'],
    );
  });

  it('a deleted comment is simply not in the list: nothing holds it', () => {
    const r = commentsHeardBy(
      list.filter((c) => c.id !== 'new'),
      arrived,
      2500,
      'me',
      10_100,
    );
    assert.deepEqual(
      r.shown.map((c) => c.id),
      ['old', 'mine'],
    );
    assert.equal(r.nextAt, null);
  });
});
