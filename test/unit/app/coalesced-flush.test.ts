// State broadcasts are coalesced: a burst of changes becomes one flush by the earliest
// deadline any of them asked for, and audience-only changes may wait longer as the
// audience grows (a snapshot to N people per join would be O(N²) in a join storm).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedFlush } from '../../../src/app/coalesced-flush.js';
import { audienceChangeDelayMs } from '../../../src/app/state-broadcaster.js';

describe('CoalescedFlush', () => {
  it('turns a burst of changes into one flush at the first deadline', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    let flushes = 0;
    const f = new CoalescedFlush(() => flushes++);
    for (let i = 0; i < 50; i++) f.schedule(30);
    assert.equal(f.pending, true);
    t.mock.timers.tick(29);
    assert.equal(flushes, 0);
    t.mock.timers.tick(1);
    assert.equal(flushes, 1);
    assert.equal(f.pending, false);
    t.mock.timers.tick(1000);
    assert.equal(flushes, 1, 'nothing more without a new change');
  });

  it('brings a lazy pending flush forward for an urgent change, and never pushes one back', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    let flushes = 0;
    const f = new CoalescedFlush(() => flushes++);
    f.schedule(1000);
    t.mock.timers.tick(100);
    f.schedule(30); // a stage change while a listener join waits
    t.mock.timers.tick(30);
    assert.equal(flushes, 1, 'flushed at the urgent deadline');
    f.schedule(30);
    f.schedule(1000); // a lazier change does not delay the urgent one
    t.mock.timers.tick(30);
    assert.equal(flushes, 2);
    t.mock.timers.tick(2000);
    assert.equal(flushes, 2, 'the lazy change rode along with the urgent flush');
  });

  it('flushes at once on run(), and not at all after cancel()', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    let flushes = 0;
    const f = new CoalescedFlush(() => flushes++);
    f.schedule(500);
    f.run();
    assert.equal(flushes, 1);
    t.mock.timers.tick(1000);
    assert.equal(flushes, 1, 'the pending deadline went with the flush');
    f.schedule(500);
    f.cancel();
    t.mock.timers.tick(1000);
    assert.equal(flushes, 1);
  });
});

describe('audienceChangeDelayMs', () => {
  it('is quick for a small audience and at most a second for a large one, growing with it', () => {
    assert.equal(audienceChangeDelayMs(0), 30);
    assert.ok(audienceChangeDelayMs(10) < 100);
    let previous = 0;
    for (const n of [0, 10, 50, 100, 200, 400, 1000, 100_000]) {
      const d = audienceChangeDelayMs(n);
      assert.ok(d >= previous && d <= 1000, `${n} connections: ${d} ms`);
      previous = d;
    }
    assert.equal(audienceChangeDelayMs(100_000), 1000);
  });
});
