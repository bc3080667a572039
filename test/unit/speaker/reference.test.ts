// The reference detector (Volfin & Cohen with Jitsi's parameters) behaves sanely: it names
// nobody before anyone speaks, decides only every 300 ms, names a lone talker, hands the
// floor to a new long turn, keeps it against a click, and copes with a quiet microphone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDetector } from '../../../src/media/speaker/detector.js';
import { runTrace } from '../../../src/media/speaker/trace.js';
import { Channel, traceOf } from './synth.js';

const run = (channels: Record<string, Channel>, every = 50) => runTrace(createDetector('reference'), traceOf(channels), every);

describe('reference detector (Volfin & Cohen, Jitsi parameters)', () => {
  it('names nobody while nobody speaks', () => {
    assert.deepEqual(run({ a: new Channel().silence(3000), b: new Channel(50).silence(3000) }), []);
  });

  it('names a lone talker at its first decision after they start', () => {
    const d = run({ a: new Channel().until(1000).speech(3000), b: new Channel() });
    assert.deepEqual(
      d.map((x) => x.speaker),
      ['a'],
    );
    assert.ok(d[0]!.atMs >= 1000 && d[0]!.atMs <= 1600, `named at ${d[0]!.atMs}`);
  });

  it('decides only every 300 ms, however often it is asked', () => {
    const det = createDetector('reference');
    const levels = new Channel().until(400).speech(3000).levels;
    const answers: Array<{ t: number; who: string | null }> = [];
    for (let f = 0; f < levels.length; f++) {
      det.addLevel('a', levels[f]!, true, f * 20);
      det.addLevel('b', 70, false, f * 20);
      answers.push({ t: f * 20, who: det.decide(f * 20) });
    }
    const first = answers.find((a) => a.who !== null)!;
    assert.equal(first.t % 300, 0, `first decision at ${first.t}`);
    assert.equal(answers[answers.length - 1]!.who, 'a');
  });

  it('hands the floor to a new long turn within a second', () => {
    const d = run({ a: new Channel().until(500).speech(3000), b: new Channel().until(4500).speech(3000) });
    assert.deepEqual(
      d.map((x) => x.speaker),
      ['a', 'b'],
    );
    assert.ok(d[1]!.atMs - 4500 <= 1000, `switched at ${d[1]!.atMs}`);
  });

  it('keeps the floor against a click while the speaker talks', () => {
    const d = run({ a: new Channel().until(500).speech(5000), b: new Channel().until(2000).typing(100, 200, 20) });
    assert.deepEqual(
      d.map((x) => x.speaker),
      ['a'],
    );
  });

  it('copes with a noisier, quieter microphone', () => {
    // b: 6 dB quieter microphone over steady background noise. (Its sub-band thresholds are
    // absolute: a microphone 15 dB down, whose speech peaks near -45 dBov, never wins.)
    const d = run({ a: new Channel(80).until(500).speech(3000), b: new Channel(55, -6).until(4500).speech(3000) });
    assert.deepEqual(
      d.map((x) => x.speaker),
      ['a', 'b'],
    );
  });

  it('lets a speaker who stops sending fall silent, and forgets one who leaves', () => {
    const det = createDetector('reference');
    const a = new Channel().until(200).speech(2000).levels;
    const b = new Channel().until(3500).speech(2500).levels;
    for (let f = 0; f < b.length; f++) {
      if (f < a.length) det.addLevel('a', a[f]!, true, f * 20); // a mutes at 2.2 s
      det.addLevel('b', b[f]!, true, f * 20);
      det.decide(f * 20);
    }
    assert.equal(det.current, 'b');
    det.removeSpeaker('b');
    assert.equal(det.current, null);
  });
});
