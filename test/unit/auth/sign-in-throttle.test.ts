// Failed sign-ins of one handle: free ones, then waits that double up to a cap, cleared by a
// success, forgotten once long past, bounded in memory.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignInThrottle } from '../../../src/auth/sign-in-throttle.js';

const T = 1_000_000;

describe('SignInThrottle', () => {
  const throttle = () => new SignInThrottle({ freeFailures: 3, firstWaitMs: 1000, maxWaitMs: 8000 });

  it('lets the free failures through, then waits 1 s, 2 s, 4 s, and no more than the cap', () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) {
      assert.equal(t.waitMs('ann', T), 0);
      t.failed('ann', T);
    }
    assert.equal(t.waitMs('ann', T), 0, 'the third failure still costs nothing');
    const waits: number[] = [];
    let now = T;
    for (let i = 0; i < 6; i++) {
      t.failed('ann', now);
      waits.push(t.waitMs('ann', now));
      now += waits.at(-1)!;
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('is per handle, regardless of case', () => {
    const t = throttle();
    for (let i = 0; i < 4; i++) t.failed('Ann', T);
    assert.equal(t.waitMs('ANN', T), 1000);
    assert.equal(t.waitMs('bob', T), 0);
  });

  it('a success clears the failures', () => {
    const t = throttle();
    for (let i = 0; i < 4; i++) t.failed('ann', T);
    t.succeeded('ann');
    assert.equal(t.waitMs('ann', T), 0);
    t.failed('ann', T);
    assert.equal(t.waitMs('ann', T), 0, 'counting starts again');
  });

  it('failures long past the longest wait are forgotten', () => {
    const t = throttle();
    for (let i = 0; i < 5; i++) t.failed('ann', T);
    t.failed('ann', T + 60_000);
    assert.equal(t.waitMs('ann', T + 60_000), 0, 'one fresh failure after a long quiet costs nothing');
  });

  it('remembers a bounded number of handles, the oldest forgotten first', () => {
    const t = new SignInThrottle({ freeFailures: 0, firstWaitMs: 1000, maxWaitMs: 8000, capacity: 100 });
    for (let i = 0; i < 1000; i++) t.failed(`h${i}`, T);
    assert.equal(t.waitMs('h0', T), 0, 'forgotten');
    assert.equal(t.waitMs('h999', T), 1000, 'remembered');
  });
});
