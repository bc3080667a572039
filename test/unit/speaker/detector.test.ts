// Our dominant-speaker detector on synthetic level traces (synth.ts): it names the first
// speaker quickly, holds the floor through pauses, and switches for a new long turn or an
// interruption that lasts, but not for coughs, backchannels, clicks, breathing or two
// people talking at once, whatever the microphones' gains and noise floors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDetector } from '../../../src/media/speaker/detector.js';
import { runTrace } from '../../../src/media/speaker/trace.js';
import { Channel, scenarioFailure, scenarios } from './synth.js';

describe('our detector on synthetic conversations', () => {
  for (const s of scenarios()) {
    it(s.name, () => {
      const failure = scenarioFailure(s, runTrace(createDetector('ours'), s.trace(), 50));
      assert.equal(failure, null);
    });
  }

  it('gives the same answers whether decide runs every 20, 50 or 100 ms', () => {
    for (const s of scenarios()) {
      for (const every of [20, 100]) {
        const named = runTrace(createDetector('ours'), s.trace(), every).map((d) => d.speaker);
        assert.deepEqual(named, s.expect, `${s.name}, every ${every} ms`);
      }
    }
  });
});

describe('our detector: the server API', () => {
  it('treats a speaker who stops sending (muted) as silent', () => {
    const det = createDetector('ours');
    const a = new Channel().until(200).speech(2000).levels;
    const b = new Channel().until(2600).speech(2000).levels;
    for (let f = 0; f < b.length; f++) {
      if (f < a.length) det.addLevel('a', a[f]!, true, f * 20); // a mutes at 2.2 s
      det.addLevel('b', b[f]!, true, f * 20);
      if (f % 3 === 0) det.decide(f * 20);
    }
    assert.equal(det.current, 'b');
  });

  it('gives the floor to whoever spoke last when the dominant speaker leaves', () => {
    const det = createDetector('ours');
    const a = new Channel().until(200).speech(2000).levels;
    const b = new Channel().until(2400).backchannel(1).until(2800).levels;
    for (let f = 0; f < b.length; f++) {
      det.addLevel('a', a[f] ?? 70, false, f * 20);
      det.addLevel('b', b[f]!, false, f * 20);
      det.addLevel('c', 70, false, f * 20);
      det.decide(f * 20);
    }
    assert.equal(det.current, 'a');
    det.removeSpeaker('a');
    assert.equal(det.current, null);
    assert.equal(det.decide(2900), 'b');
  });

  it('clamps levels out of range and accepts a speaker who joins late', () => {
    const det = createDetector('ours');
    for (let t = 0; t < 1000; t += 20) det.addLevel('a', t % 200 < 120 ? -5 : 300, true, t);
    assert.equal(det.decide(1000), 'a');
    const b = new Channel().speech(3000).levels;
    for (let f = 0; f < b.length; f++) {
      det.addLevel('a', 127, false, 1000 + f * 20);
      det.addLevel('b', b[f]!, true, 1000 + f * 20);
      det.decide(1000 + f * 20);
    }
    assert.equal(det.current, 'b');
  });

  it('decides cheaply for 13 speakers', () => {
    const det = createDetector('ours');
    const ids = Array.from({ length: 13 }, (_, i) => `speaker-${i}`);
    const chans = ids.map(
      (_, i) =>
        new Channel(60 + i, 0, i + 1)
          .until(1000 + i * 500)
          .speech(3000)
          .until(20_000).levels,
    );
    const t0 = performance.now();
    // 10 minutes: levels every 20 ms, a decision every 60 ms.
    for (let t = 0, f = 0; t < 600_000; t += 20, f++) {
      for (let i = 0; i < 13; i++) det.addLevel(ids[i]!, chans[i]![f % chans[i]!.length]!, false, t);
      if (t % 60 === 0) det.decide(t);
    }
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `10 minutes of 13 speakers took ${ms.toFixed(0)} ms`);
  });
});
