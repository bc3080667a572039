// The chat's per-person limits (the comment bucket, the duplicate-text guard) and the
// comment-page cursor, on an explicit clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommentLimiter, sameTextKey } from '../../../src/app/chat-limits.js';
import { parseCursor } from '../../../src/app/chat.js';

const T = 1_700_000_000_000;

describe('CommentLimiter', () => {
  const options = { ratePerSecond: 1, burst: 3, duplicateWindowMs: 30_000 };

  it('refuses the fourth comment within the burst, and takes nothing on check alone', () => {
    const l = new CommentLimiter(options);
    for (let i = 0; i < 10; i++) assert.equal(l.check('ann', `x${i}`, T), null);
    for (let i = 0; i < 3; i++) {
      assert.equal(l.check('ann', `hello ${i}`, T), null);
      l.record('ann', `hello ${i}`, T);
    }
    assert.match(l.check('ann', 'hello 3', T) ?? '', /too many/);
    assert.equal(l.check('bob', 'hello 3', T), null);
  });

  it('refuses the same text again within the window, whatever the case and spacing', () => {
    const l = new CommentLimiter(options);
    l.record('ann', 'Great  point!', T);
    for (const again of ['Great point!', 'great point!', ' GREAT   POINT! ']) {
      assert.match(l.check('ann', again, T + 5000) ?? '', /just posted/, again);
    }
    assert.equal(l.check('ann', 'Another point', T + 5000), null);
    assert.equal(l.check('bob', 'Great point!', T + 5000), null, 'someone else may say it');
    assert.equal(l.check('ann', 'Great point!', T + 30_000), null, 'and after the window, so may ann');
  });

  it('sameTextKey folds compatibility forms', () => {
    assert.equal(sameTextKey('ﬁne'), sameTextKey('fine'));
    assert.equal(sameTextKey('Ｈｉ'), sameTextKey('hi'));
  });
});

describe('parseCursor', () => {
  it('reads a page cursor and an ISO time, and nothing else', () => {
    assert.deepEqual(parseCursor('1718000000123.AbC_-9'), { atMs: 1718000000123, id: 'AbC_-9' });
    assert.deepEqual(parseCursor('2030-06-01T12:00:00.123Z'), { atMs: Date.UTC(2030, 5, 1, 12, 0, 0, 123), id: '' });
    for (const bad of ['', 'abc', '12.', '.abc', '1718000000123.a b', '2030-13-45T99:00:00Z', '1e3.x']) {
      assert.equal(parseCursor(bad), null, bad);
    }
  });
});
