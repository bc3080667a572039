// Mapping a wall-clock moment to a time in the recording (toRecordingSec in
// src/app/recording-service.ts): the speaker timeline is drawn with it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toRecordingSec } from '../../../src/app/recording-service.js';
import type { ServedSegment } from '../../../src/egress/hls-playlist.js';

const T0 = Date.UTC(2024, 2, 3, 20, 0, 0);

function seg(startMs: number, duration: number, run = 'r1'): ServedSegment {
  return { uri: `${run}-${startMs}.m4s`, duration, wallStartMs: startMs, map: `${run}-init-audio.mp4` };
}

// Run 1: three segments from T0 (1 s, 1 s, 0.5 s: 2.5 s). A 10 s gap (the encoder restarted).
// Run 2: two 1 s segments from T0 + 12.5 s.
const SEGMENTS = [seg(T0, 1), seg(T0 + 1000, 1), seg(T0 + 2000, 0.5), seg(T0 + 12_500, 1, 'r2'), seg(T0 + 13_500, 1, 'r2')];

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} should be ${expected}`);

describe('toRecordingSec', () => {
  it('is 0 with no segments', () => {
    assert.equal(toRecordingSec(T0, []), 0);
    assert.equal(toRecordingSec(0, []), 0);
  });

  it('inside the first segment: the offset from its start', () => {
    assert.equal(toRecordingSec(T0, SEGMENTS), 0);
    close(toRecordingSec(T0 + 250, SEGMENTS), 0.25);
    close(toRecordingSec(T0 + 999, SEGMENTS), 0.999);
  });

  it('across segments: earlier durations plus the offset', () => {
    close(toRecordingSec(T0 + 1000, SEGMENTS), 1);
    close(toRecordingSec(T0 + 1500, SEGMENTS), 1.5);
    close(toRecordingSec(T0 + 2000, SEGMENTS), 2);
    close(toRecordingSec(T0 + 2499, SEGMENTS), 2.499);
    close(toRecordingSec(T0 + 12_500, SEGMENTS), 2.5);
    close(toRecordingSec(T0 + 13_000, SEGMENTS), 3);
    close(toRecordingSec(T0 + 14_250, SEGMENTS), 4.25);
  });

  it('in a gap between runs: snaps to the start of the next segment', () => {
    close(toRecordingSec(T0 + 2500, SEGMENTS), 2.5);
    close(toRecordingSec(T0 + 5000, SEGMENTS), 2.5);
    close(toRecordingSec(T0 + 12_499, SEGMENTS), 2.5);
  });

  it('segment durations, not wall-clock starts, set the recording time', () => {
    // A segment whose media ran a little longer than the wall-clock gap to the next.
    const overlap = [seg(T0, 1.2), seg(T0 + 1000, 1)];
    close(toRecordingSec(T0 + 1100, overlap), 1.1);
    close(toRecordingSec(T0 + 1500, overlap), 1.7);
  });

  it('before the first segment: 0', () => {
    assert.equal(toRecordingSec(T0 - 1, SEGMENTS), 0);
    assert.equal(toRecordingSec(T0 - 60_000, SEGMENTS), 0);
    assert.equal(toRecordingSec(0, SEGMENTS), 0);
  });

  it('after the last segment: the whole length', () => {
    close(toRecordingSec(T0 + 14_500, SEGMENTS), 4.5);
    close(toRecordingSec(T0 + 3_600_000, SEGMENTS), 4.5);
    close(toRecordingSec(Number.MAX_SAFE_INTEGER, SEGMENTS), 4.5);
  });

  it('is monotonic over a sweep of the whole range', () => {
    let last = -1;
    for (let ms = T0 - 1000; ms <= T0 + 16_000; ms += 50) {
      const at = toRecordingSec(ms, SEGMENTS);
      assert.ok(at >= last, `${ms - T0} ms: ${at} < ${last}`);
      assert.ok(at >= 0 && at <= 4.5);
      last = at;
    }
    close(last, 4.5);
  });
});
