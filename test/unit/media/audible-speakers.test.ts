// The audible speakers: at most N people on stage are forwarded, the most recent talkers. A
// member who is still talking is never displaced; a newcomer takes the place of the member
// quiet the longest, or waits while everyone talks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AudibleSpeakers, STILL_TALKING_MS } from '../../../src/media/forwarding/audible-speakers.js';
import { prng } from '../wire/buffers.js';

interface TestVoice {
  name: string;
  lastVoiceAtMs: number;
}
const voice = (name: string, lastVoiceAtMs = Number.NEGATIVE_INFINITY): TestVoice => ({ name, lastVoiceAtMs });
const names = (set: AudibleSpeakers<TestVoice>) => set.members.map((v) => v.name).sort();

describe('AudibleSpeakers', () => {
  it('admits voices into free places without evicting anyone', () => {
    const set = new AudibleSpeakers<TestVoice>(3);
    for (const name of ['a', 'b', 'c']) assert.deepEqual(set.admit(voice(name, 0), 0), { admitted: true, evicted: null });
    assert.deepEqual(names(set), ['a', 'b', 'c']);
  });

  it('replaces the member that has been quiet the longest', () => {
    const set = new AudibleSpeakers<TestVoice>(2);
    const a = voice('a', 1000);
    const b = voice('b', 400);
    set.admit(a, 0);
    set.admit(b, 0);
    const c = voice('c', 2000);
    const admission = set.admit(c, 2000);
    assert.deepEqual(admission, { admitted: true, evicted: b });
    assert.deepEqual(names(set), ['a', 'c']);
    assert.equal(set.has(b), false);
  });

  it('keeps every member that is still talking, and admits the newcomer once one pauses', () => {
    const set = new AudibleSpeakers<TestVoice>(2);
    const a = voice('a');
    const b = voice('b');
    set.admit(a, 0);
    set.admit(b, 0);
    a.lastVoiceAtMs = 10_000;
    b.lastVoiceAtMs = 10_000 - STILL_TALKING_MS + 1;
    const c = voice('c', 10_000);
    assert.deepEqual(set.admit(c, 10_000), { admitted: false });
    assert.deepEqual(names(set), ['a', 'b']);
    // b's last forwarded packet is now STILL_TALKING_MS old: b has paused.
    assert.deepEqual(set.admit(c, 10_001), { admitted: true, evicted: b });
  });

  it('changes nothing when a member is admitted again', () => {
    const set = new AudibleSpeakers<TestVoice>(1);
    const a = voice('a', 0);
    set.admit(a, 0);
    assert.deepEqual(set.admit(a, 60_000), { admitted: true, evicted: null });
    assert.deepEqual(names(set), ['a']);
  });

  it('frees a place when a member leaves the stage, and says whether it was a member', () => {
    const set = new AudibleSpeakers<TestVoice>(1);
    const a = voice('a', 0);
    const b = voice('b', 0);
    set.admit(a, 0);
    assert.equal(set.remove(b), false);
    assert.equal(set.remove(a), true);
    assert.deepEqual(set.admit(b, 0), { admitted: true, evicted: null });
    set.clear();
    assert.equal(set.members.length, 0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) assert.throws(() => new AudibleSpeakers(capacity), RangeError);
  });

  it('under random talk, never exceeds its capacity, holds no duplicates and never displaces a talking member', () => {
    const next = prng(42);
    const voices = Array.from({ length: 13 }, (_, i) => voice(`v${i}`));
    const set = new AudibleSpeakers<TestVoice>(3);
    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      now += 20;
      const v = voices[next() % voices.length]!;
      if (next() % 50 === 0) {
        set.remove(v);
        continue;
      }
      v.lastVoiceAtMs = now;
      const before = [...set.members];
      const admission = set.admit(v, now);
      if (admission.admitted && admission.evicted) {
        assert.ok(now - admission.evicted.lastVoiceAtMs >= STILL_TALKING_MS, 'a talking member was displaced');
        for (const m of before) {
          if (m !== admission.evicted) assert.ok(m.lastVoiceAtMs >= admission.evicted.lastVoiceAtMs || now - m.lastVoiceAtMs < STILL_TALKING_MS);
        }
      }
      if (!admission.admitted) for (const m of before) assert.ok(now - m.lastVoiceAtMs < STILL_TALKING_MS, 'refused while a member was quiet');
      assert.ok(set.members.length <= 3);
      assert.equal(new Set(set.members).size, set.members.length);
      assert.equal(set.has(v), admission.admitted);
    }
  });
});
