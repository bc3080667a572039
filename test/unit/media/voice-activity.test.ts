// The voice-activity gate: opens on the first loud frame, holds through short pauses,
// closes after the hangover, fails open without levels, and reports a 0..1 loudness.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VOICE_ACTIVITY, VoiceActivity } from '../../../src/media/forwarding/voice-activity.js';

const T0 = 1_000_000;
const LOUD = 30; // -dBov: well above the default threshold of 55
const SILENT = 127;
const V = 0x80; // RFC 6464 voice-activity flag

describe('the gate', () => {
  it('starts closed and stays closed through silence', () => {
    const va = new VoiceActivity();
    assert.equal(va.open, false);
    for (let t = 0; t < 2000; t += 20) assert.equal(va.update(SILENT, T0 + t), false);
    assert.equal(va.open, false);
  });

  it('opens on the very first loud frame', () => {
    const va = new VoiceActivity();
    va.update(SILENT, T0);
    assert.equal(va.update(LOUD, T0 + 20), true);
    assert.equal(va.open, true);
  });

  it('counts the threshold level itself as voice, one quieter as not', () => {
    const { thresholdLevel } = DEFAULT_VOICE_ACTIVITY;
    assert.equal(new VoiceActivity().update(thresholdLevel, T0), true);
    assert.equal(new VoiceActivity().update(thresholdLevel + 1, T0), false);
  });

  it('stays open through pauses shorter than the hangover and closes after it', () => {
    const { hangoverMs } = DEFAULT_VOICE_ACTIVITY;
    const va = new VoiceActivity();
    va.update(LOUD, T0);
    // Silence for exactly the hangover: every frame is still forwarded.
    for (let t = 20; t <= hangoverMs; t += 20) assert.equal(va.update(SILENT, T0 + t), true, `+${t} ms`);
    // The first silent frame past it closes the gate.
    assert.equal(va.update(SILENT, T0 + hangoverMs + 20), false);
    assert.equal(va.open, false);
    // And the next loud frame opens it again at once.
    assert.equal(va.update(LOUD, T0 + hangoverMs + 40), true);
  });

  it('a voiced frame in a pause restarts the hangover', () => {
    const va = new VoiceActivity({ thresholdLevel: 55, hangoverMs: 100 });
    va.update(LOUD, T0);
    assert.equal(va.update(SILENT, T0 + 80), true);
    va.update(LOUD, T0 + 90);
    assert.equal(va.update(SILENT, T0 + 180), true, '90 ms after the last voice');
    assert.equal(va.update(SILENT, T0 + 191), false, '101 ms after the last voice');
  });

  it('fails open for packets without a level (-1), and closes only after the hangover once levels resume', () => {
    const va = new VoiceActivity();
    assert.equal(va.update(-1, T0), true);
    assert.equal(va.open, true);
    assert.equal(va.update(-1, T0 + 5000), true);
    assert.equal(va.update(SILENT, T0 + 5020), true, 'within the hangover of the last level-less packet');
    assert.equal(va.update(SILENT, T0 + 5000 + DEFAULT_VOICE_ACTIVITY.hangoverMs + 1), false);
  });

  it('ignores the V bit: the level alone decides', () => {
    const va = new VoiceActivity();
    assert.equal(va.update(V | SILENT, T0), false, 'V set but silent');
    assert.equal(va.update(V | 100, T0 + 20), false, 'V set but quiet');
    assert.equal(va.update(LOUD, T0 + 40), true, 'V clear but loud');
    const a = new VoiceActivity();
    const b = new VoiceActivity();
    a.update(V | 35, T0);
    b.update(35, T0);
    assert.equal(a.takeLevel(), b.takeLevel());
  });

  it('follows a custom threshold', () => {
    const va = new VoiceActivity({ thresholdLevel: 20, hangoverMs: 100 });
    assert.equal(va.update(LOUD, T0), false, '30 is too quiet for a threshold of 20');
    assert.equal(va.update(20, T0 + 20), true);
  });
});

describe('expire()', () => {
  it('closes a gate whose stream stopped, only after the hangover', () => {
    const va = new VoiceActivity();
    va.update(LOUD, T0);
    va.expire(T0 + DEFAULT_VOICE_ACTIVITY.hangoverMs);
    assert.equal(va.open, true);
    va.expire(T0 + DEFAULT_VOICE_ACTIVITY.hangoverMs + 1);
    assert.equal(va.open, false);
    assert.equal(va.takeLevel(), 0);
  });

  it('also closes a fail-open gate once level-less packets stop', () => {
    const va = new VoiceActivity();
    va.update(-1, T0);
    va.expire(T0 + 10_000);
    assert.equal(va.open, false);
  });

  it('does nothing to a closed gate', () => {
    const va = new VoiceActivity();
    va.expire(T0);
    assert.equal(va.open, false);
    assert.equal(va.update(LOUD, T0 + 1), true);
  });
});

describe('takeLevel()', () => {
  it('maps the loudest frame of the interval linearly into 0..1', () => {
    const at = (level: number) => {
      const va = new VoiceActivity();
      va.update(level, T0);
      return va.takeLevel();
    };
    assert.equal(at(20), 1);
    assert.equal(at(0), 1, 'louder than the loud end is clamped to 1');
    assert.equal(at(45), 0.5);
    assert.ok(Math.abs(at(55) - 0.3) < 1e-12);
    // Louder is never reported quieter.
    let prev = Infinity;
    for (let level = 0; level <= DEFAULT_VOICE_ACTIVITY.thresholdLevel; level++) {
      const l = at(level);
      assert.ok(l <= prev, `level ${level}`);
      prev = l;
    }
  });

  it('reports the peak of the interval, then decays while the gate is open', () => {
    const va = new VoiceActivity();
    va.update(45, T0);
    va.update(20, T0 + 20);
    va.update(50, T0 + 40);
    assert.equal(va.takeLevel(), 1, 'peak of the interval');
    assert.ok(Math.abs(va.takeLevel() - 0.6) < 1e-12, 'no new frames: decays');
    assert.ok(Math.abs(va.takeLevel() - 0.36) < 1e-12);
    va.update(45, T0 + 60);
    assert.ok(Math.abs(va.takeLevel() - 0.5) < 1e-12, 'a new peak above the decayed level');
  });

  it('is always within 0..1, for every byte and gate state', () => {
    const va = new VoiceActivity();
    let t = T0;
    for (let round = 0; round < 3; round++) {
      for (let level = -1; level <= 255; level++) {
        va.update(level, (t += 7));
        const l = va.takeLevel();
        assert.ok(l >= 0 && l <= 1, `level byte ${level}: ${l}`);
        if (!va.open) assert.equal(l, 0);
      }
      va.expire((t += 10_000));
    }
  });

  it('is 0 once the gate is closed, even if there was a peak before', () => {
    const va = new VoiceActivity();
    va.update(LOUD, T0);
    va.update(SILENT, T0 + DEFAULT_VOICE_ACTIVITY.hangoverMs + 1);
    assert.equal(va.open, false);
    assert.equal(va.takeLevel(), 0);
  });

  it('is 0 while closed and for level-less (fail-open) packets', () => {
    assert.equal(new VoiceActivity().takeLevel(), 0);
    const va = new VoiceActivity();
    va.update(-1, T0);
    assert.equal(va.open, true);
    assert.equal(va.takeLevel(), 0, 'no level, no loudness');
  });
});

describe('reset()', () => {
  it('closes the gate and forgets the levels', () => {
    const va = new VoiceActivity();
    va.update(LOUD, T0);
    va.takeLevel();
    va.reset();
    assert.equal(va.open, false);
    assert.equal(va.takeLevel(), 0);
    assert.equal(va.update(SILENT, T0 + 20), false, 'no hangover carried over');
  });
});
