// The one token bucket (every rate limit on the node uses it) and its keyed form, on a mocked
// clock (the default time source) and on an explicit one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedTokenBuckets, TokenBucket } from '../../../src/app/token-bucket.js';

const T = 1_700_000_000_000;

describe('TokenBucket', () => {
  it('allows the burst at once, then the sustained rate, on the clock', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: T });
    const b = new TokenBucket(2, 3);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => b.take()),
      [true, true, true, false],
    );
    t.mock.timers.tick(499);
    assert.equal(b.take(), false, 'half a token is not a token');
    t.mock.timers.tick(1);
    assert.equal(b.take(), true);
    assert.equal(b.take(), false);
    t.mock.timers.tick(60_000);
    assert.equal(b.level(), 3, 'never refills past the burst');
  });

  it('a refused take costs nothing, and peek takes nothing', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: T });
    const b = new TokenBucket(1, 1);
    assert.equal(b.peek(), true);
    assert.equal(b.peek(), true);
    assert.equal(b.take(), true);
    t.mock.timers.tick(500);
    for (let i = 0; i < 5; i++) assert.equal(b.take(), false);
    t.mock.timers.tick(500);
    assert.equal(b.take(), true);
  });

  it('refills nothing when the clock steps back', () => {
    const b = new TokenBucket(1, 2, T);
    assert.equal(b.take(T), true);
    assert.equal(b.take(T), true);
    assert.equal(b.take(T - 10_000), false);
    assert.equal(b.take(T + 999), false, 'the step back did not move the refill point');
    assert.equal(b.take(T + 1000), true);
  });

  it('rejects a nonsense configuration', () => {
    assert.throws(() => new TokenBucket(0, 3), RangeError);
    assert.throws(() => new TokenBucket(1, 0.5), RangeError);
    assert.throws(() => new TokenBucket(Number.NaN, 3), RangeError);
  });
});

describe('KeyedTokenBuckets', () => {
  it('is per key: one key over the limit does not affect another', () => {
    const b = new KeyedTokenBuckets(5, 10);
    for (let i = 0; i < 10; i++) assert.equal(b.take('ann', T), true);
    assert.equal(b.take('ann', T), false);
    assert.equal(b.peek('ann', T), false);
    assert.equal(b.take('bob', T), true);
    assert.equal(b.peek('carol', T), true, 'an unknown key has a full bucket');
    assert.equal(b.size, 2, 'peek creates nothing');
  });

  it('prune forgets only full buckets', () => {
    const b = new KeyedTokenBuckets(1, 2);
    b.take('ann', T);
    b.take('bob', T);
    b.take('bob', T);
    b.prune(T + 1000);
    assert.equal(b.size, 1, 'ann is full again, bob is not');
    assert.equal(b.take('bob', T + 1000), true);
    assert.equal(b.take('bob', T + 1000), false);
  });

  it('stays within maxKeys under a flood of distinct keys', () => {
    const b = new KeyedTokenBuckets(1, 1, 100);
    for (let i = 0; i < 1000; i++) assert.equal(b.take(`addr${i}`, T), true);
    assert.ok(b.size <= 100, `${b.size} buckets`);
  });

  it('rejects a nonsense configuration at once', () => {
    assert.throws(() => new KeyedTokenBuckets(0, 3), RangeError);
    assert.throws(() => new KeyedTokenBuckets(1, 0), RangeError);
  });
});
