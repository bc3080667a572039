// The load generator's own logic: statistics, pacing, and the bounds on count, time and target.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize } from '../../../src/load/stats.js';
import { joinSchedule, paced } from '../../../src/load/pacing.js';
import { isLoopback, loadPlanSchema, MAX_PARTICIPANTS, MAX_SECONDS } from '../../../src/load/plan.js';

const plan = { url: 'http://127.0.0.1:8080', speakers: 2, talking: 1, videoPublishers: 0, listeners: 10, joinRate: 50, seconds: 5 };

describe('statistics', () => {
  it('computes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 95), 95);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile(xs, 0), 1);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('summarises unsorted values and ignores non-finite ones', () => {
    const s = summarize([5, 1, NaN, 3, Infinity, 2, 4]);
    assert.deepEqual(s, { count: 5, mean: 3, min: 1, p50: 3, p95: 5, p99: 5, max: 5 });
    assert.equal(summarize([]).count, 0);
  });
});

describe('pacing', () => {
  it('schedules joins evenly at the given rate', () => {
    assert.deepEqual(joinSchedule(4, 50), [0, 20, 40, 60]);
    assert.deepEqual(joinSchedule(0, 10), []);
    assert.throws(() => joinSchedule(3, 0));
  });

  it('starts each join at its time, without waiting for earlier ones to finish', async () => {
    const started: number[] = [];
    let finished = 0;
    let finishedWhenLastStarted = -1;
    const results = await paced(5, 100, async (i) => {
      started.push(i);
      if (i === 4) finishedWhenLastStarted = finished;
      // Every join is slow (500 ms); the joins are due every 10 ms.
      await new Promise((r) => setTimeout(r, 500));
      finished++;
      return i;
    });
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : -1)),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(started, [0, 1, 2, 3, 4], 'started in order');
    assert.equal(finishedWhenLastStarted, 0, 'the last join started while the first was still running');
  });

  it('reports a failed join without stopping the others', async () => {
    const results = await paced(3, 1000, async (i) => {
      if (i === 1) throw new Error('refused');
      return i;
    });
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });
});

describe('plan bounds', () => {
  it('accepts a sane plan', () => {
    assert.equal(loadPlanSchema.safeParse(plan).success, true);
  });

  it('refuses targets that are not this machine', () => {
    for (const url of ['http://10.0.0.5:8080', 'http://example.org', 'http://192.168.1.2', 'http://8.8.8.8']) {
      assert.equal(isLoopback(url), false, url);
      assert.equal(loadPlanSchema.safeParse({ ...plan, url }).success, false, url);
    }
    for (const url of ['http://127.0.0.1:1', 'http://127.9.0.3', 'http://localhost:8080', 'http://[::1]:8080']) {
      assert.equal(isLoopback(url), true, url);
    }
  });

  it('bounds the count and the time', () => {
    assert.equal(loadPlanSchema.safeParse({ ...plan, listeners: MAX_PARTICIPANTS + 1 }).success, false);
    assert.equal(loadPlanSchema.safeParse({ ...plan, seconds: MAX_SECONDS + 1 }).success, false);
    assert.equal(loadPlanSchema.safeParse({ ...plan, speakers: 14 }).success, false);
    assert.equal(loadPlanSchema.safeParse({ ...plan, talking: 3 }).success, false);
    assert.equal(loadPlanSchema.safeParse({ ...plan, joinRate: 0 }).success, false);
  });
});
