// Trace validation (zod) and the replay shared by the CLI and the bench.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SpeakerDetector } from '../../../src/media/speaker/detector.js';
import { TraceError, parseTrace, runTrace } from '../../../src/media/speaker/trace.js';

const valid = () => ({
  frameMs: 20,
  speakers: ['a', 'b'],
  levels: { a: [127, 40, 40], b: [127, 127, 30] },
  vad: { a: [0, 1, 1], b: [0, 0, true] },
});

const problem = (input: unknown): string => {
  try {
    parseTrace(input);
  } catch (err) {
    assert.ok(err instanceof TraceError);
    return (err as Error).message;
  }
  assert.fail('accepted an invalid trace');
};

describe('parseTrace', () => {
  it('accepts a valid trace and ignores other keys', () => {
    const t = parseTrace({ ...valid(), audio: { a: 'x' }, comment: 'hello' });
    assert.deepEqual(t.speakers, ['a', 'b']);
    assert.equal('audio' in t, false);
  });

  it('accepts a trace without vad', () => {
    const { vad: _vad, ...rest } = valid();
    assert.equal(parseTrace(rest).vad, undefined);
  });

  it('rejects arrays of different lengths', () => {
    assert.match(problem({ ...valid(), levels: { a: [1, 2, 3], b: [1, 2] } }), /levels\.b: has 2 frames, expected 3/);
    assert.match(problem({ ...valid(), vad: { a: [0, 1, 1], b: [0] } }), /vad\.b: has 1 frames, expected 3/);
  });

  it('rejects levels outside 0..127, or not integers', () => {
    assert.match(problem({ ...valid(), levels: { a: [1, 2, 128], b: [1, 2, 3] } }), /levels\.a\.2/);
    assert.match(problem({ ...valid(), levels: { a: [1, 2.5, 3], b: [1, 2, 3] } }), /levels\.a\.1/);
    assert.match(problem({ ...valid(), levels: { a: [1, -1, 3], b: [1, 2, 3] } }), /levels\.a\.1/);
  });

  it('rejects a speaker without levels, a duplicate speaker, a bad frame length', () => {
    assert.match(problem({ ...valid(), speakers: ['a', 'b', 'c'] }), /no levels for speaker "c"/);
    assert.match(problem({ ...valid(), speakers: ['a', 'a'] }), /listed twice/);
    assert.match(problem({ ...valid(), frameMs: 0 }), /frameMs/);
    assert.match(problem({ ...valid(), speakers: [] }), /speakers/);
    assert.match(problem([1, 2, 3]), /invalid trace/);
  });

  it('rejects a vad that is not 0/1', () => {
    assert.match(problem({ ...valid(), vad: { a: [0, 2, 1], b: [0, 0, 1] } }), /vad\.a\.1/);
  });
});

describe('runTrace', () => {
  /** Names whoever sent the loudest level in the last frame; records what it was fed. */
  class Loudest implements SpeakerDetector {
    current: string | null = null;
    fed: Array<[string, number, boolean, number]> = [];
    decisions: number[] = [];
    private last = new Map<string, number>();
    addLevel(id: string, level: number, voice: boolean, nowMs: number): void {
      this.fed.push([id, level, voice, nowMs]);
      this.last.set(id, level);
    }
    removeSpeaker(): void {}
    decide(nowMs: number): string | null {
      this.decisions.push(nowMs);
      let best: [string, number] | null = null;
      for (const [id, l] of this.last) if (l < 127 && (best === null || l < best[1])) best = [id, l];
      if (best) this.current = best[0];
      return this.current;
    }
  }

  it('feeds every speaker every frame, decides on its timer, and reports changes only', () => {
    const trace = parseTrace({
      frameMs: 20,
      speakers: ['a', 'b'],
      levels: { a: [127, 40, 40, 40, 127, 127, 127, 127], b: [127, 127, 127, 127, 30, 30, 30, 30] },
      vad: { a: [0, 1, 1, 1, 0, 0, 0, 0], b: [0, 0, 0, 0, 1, 1, 1, 1] },
    });
    const det = new Loudest();
    const decisions = runTrace(det, trace, 40);
    assert.deepEqual(det.decisions, [0, 40, 80, 120]);
    assert.equal(det.fed.length, 16);
    assert.deepEqual(det.fed[2], ['a', 40, true, 20]);
    assert.deepEqual(decisions, [
      { atMs: 40, speaker: 'a' },
      { atMs: 80, speaker: 'b' },
    ]);
  });

  it('decides every frame when asked more often than frames come', () => {
    const det = new Loudest();
    runTrace(det, parseTrace({ frameMs: 20, speakers: ['a'], levels: { a: [1, 2, 3, 4] } }), 5);
    assert.deepEqual(det.decisions, [0, 20, 40, 60]);
  });
});
