// The HLS mixer (src/egress/audio-mixer.ts) fed real Opus: 20 ms frames of sine tones
// encoded with opusscript, wrapped in RTP. What comes out of mix() is compared sample for
// sample with a reference decoder fed the packets the mixer should have decoded, in the
// order it should have decoded them (Opus decoding is deterministic), so a reordering,
// a duplicate or a stale packet that slips through changes the output and fails the test.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpusScript from 'opusscript';
import { AudioMixer, FRAME_SAMPLES, SAMPLE_RATE } from '../../../src/egress/audio-mixer.js';
import { writeRtpSequence, writeRtpSsrc, writeRtpTimestamp } from '../../../src/wire/rtp.js';

const SILENCE = Buffer.alloc(FRAME_SAMPLES * 2);

interface Talk {
  /** Opus payloads, one per 20 ms (or `frameSamples`) frame. */
  opus: Buffer[];
}

/** Encodes `frames` frames of a sine (its frequency may change per frame) with one encoder. */
function talk(frames: number, amplitude: number, freq: (frame: number) => number = () => 440, frameSamples = FRAME_SAMPLES): Talk {
  const enc = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.VOIP);
  const opus: Buffer[] = [];
  let phase = 0;
  try {
    for (let f = 0; f < frames; f++) {
      const pcm = Buffer.alloc(frameSamples * 2);
      const step = (2 * Math.PI * freq(f)) / SAMPLE_RATE;
      for (let i = 0; i < frameSamples; i++) {
        pcm.writeInt16LE(Math.round(amplitude * Math.sin(phase)), i * 2);
        phase += step;
      }
      opus.push(enc.encode(pcm, frameSamples));
    }
  } finally {
    enc.delete();
  }
  return { opus };
}

/** A 12-byte RTP header (V=2, PT 111) in front of `payload`, optionally with RTP padding. */
function rtp(seq: number, payload: Buffer, opts: { padding?: number; ssrc?: number } = {}): Buffer {
  const pad = opts.padding ?? 0;
  const b = Buffer.alloc(12 + payload.length + pad);
  b[0] = 0x80 | (pad > 0 ? 0x20 : 0);
  b[1] = 111;
  writeRtpSequence(b, seq & 0xffff);
  writeRtpTimestamp(b, (seq * FRAME_SAMPLES) >>> 0);
  writeRtpSsrc(b, opts.ssrc ?? 0x1234);
  payload.copy(b, 12);
  if (pad > 0) b[b.length - 1] = pad;
  return b;
}

/** A reference decoder: decodes the given payloads in order and returns the PCM of each. */
function reference(payloads: Buffer[]): Buffer[] {
  const dec = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.VOIP);
  try {
    return payloads.map((p) => Buffer.from(dec.decode(p)));
  } finally {
    dec.delete();
  }
}

function samples(buf: Buffer): Int16Array {
  const out = new Int16Array(buf.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

function rms(buf: Buffer): number {
  const s = samples(buf);
  let sum = 0;
  for (const v of s) sum += v * v;
  return Math.sqrt(sum / s.length);
}

function zeroCrossings(buf: Buffer): number {
  const s = samples(buf);
  let n = 0;
  for (let i = 1; i < s.length; i++) if (s[i - 1]! < 0 !== s[i]! < 0) n++;
  return n;
}

/** clamp(a + b), sample by sample, as s16le. */
function sumClamped(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(FRAME_SAMPLES * 2);
  for (let k = 0; k < FRAME_SAMPLES; k++) {
    const v = a.readInt16LE(k * 2) + b.readInt16LE(k * 2);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, v)), k * 2);
  }
  return out;
}

const mixers: AudioMixer[] = [];
function mixer(): AudioMixer {
  const m = new AudioMixer();
  mixers.push(m);
  return m;
}
after(() => {
  for (const m of mixers) m.close();
});

// One tone used by most tests: 20 frames, each at its own pitch so that frames are distinct.
const TONE = talk(20, 8000, (f) => 300 + 40 * f);

describe('AudioMixer', () => {
  it('exports 48 kHz and 20 ms ticks', () => {
    assert.equal(SAMPLE_RATE, 48_000);
    assert.equal(FRAME_SAMPLES, 960);
  });

  it('mixes silence when nobody talks: 960 zero samples, s16le', () => {
    const m = mixer();
    for (let t = 0; t < 5; t++) {
      const out = m.mix(t * 20);
      assert.equal(out.length, FRAME_SAMPLES * 2);
      assert.ok(out.equals(SILENCE));
    }
    assert.equal(m.activeSpeakers, 0);
    assert.equal(m.packetsIn, 0);
  });

  it('a speaker starts after two packets are queued and comes out exactly as decoded', () => {
    const m = mixer();
    const ref = reference(TONE.opus.slice(0, 6));
    m.push('a', rtp(100, TONE.opus[0]!), 0);
    // START_DEPTH: one packet alone waits (for a second one, or one more tick).
    assert.ok(m.mix(0).equals(SILENCE), 'one packet queued: still buffering');
    assert.equal(m.activeSpeakers, 0);
    m.push('a', rtp(101, TONE.opus[1]!), 20);
    assert.ok(m.mix(20).equals(ref[0]!), 'two packets queued: the first plays');
    assert.equal(m.activeSpeakers, 1);
    for (let k = 2; k < 6; k++) {
      m.push('a', rtp(100 + k, TONE.opus[k]!), 20 * k);
      assert.ok(m.mix(20 * k).equals(ref[k - 1]!), `frame ${k - 1}`);
    }
    assert.equal(m.packetsIn, 6);
    assert.equal(m.decodeErrors, 0);
  });

  it('two packets pushed before the first tick start playing at once', () => {
    const m = mixer();
    const ref = reference(TONE.opus.slice(0, 2));
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    m.push('a', rtp(1, TONE.opus[1]!), 0);
    assert.ok(m.mix(0).equals(ref[0]!));
    assert.ok(m.mix(20).equals(ref[1]!));
  });

  it('a lone packet plays on the second tick (the first packet is old enough)', () => {
    const m = mixer();
    const ref = reference(TONE.opus.slice(0, 1));
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    assert.ok(m.mix(0).equals(SILENCE));
    assert.ok(m.mix(20).equals(ref[0]!));
    assert.ok(m.mix(40).equals(SILENCE), 'nothing more to play');
    assert.equal(m.activeSpeakers, 0);
  });

  it('a 440 Hz tone comes out at the right level and pitch', () => {
    const amplitude = 10_000;
    const tone = talk(12, amplitude); // 12: the most the mixer queues
    const m = mixer();
    for (let k = 0; k < 12; k++) m.push('a', rtp(k, tone.opus[k]!), 0);
    const out: Buffer[] = [];
    for (let k = 0; k < 12; k++) out.push(m.mix(k * 20));
    const expected = amplitude / Math.SQRT2;
    // The first frame carries the codec's start-up; from the second on the tone is steady.
    for (let k = 1; k < 12; k++) {
      const level = rms(out[k]!);
      assert.ok(Math.abs(level - expected) / expected < 0.1, `frame ${k}: rms ${level.toFixed(0)}, expected about ${expected.toFixed(0)}`);
      const zc = zeroCrossings(out[k]!);
      // 440 Hz over 20 ms: 8.8 periods, 17.6 sign changes.
      assert.ok(zc >= 16 && zc <= 19, `frame ${k}: ${zc} zero crossings`);
    }
    assert.ok(rms(out[0]!) > 0, 'the first frame already carries sound');
  });

  it('sums two speakers sample by sample', () => {
    const a = talk(8, 6000, () => 440);
    const b = talk(8, 5000, () => 660);
    const refA = reference(a.opus);
    const refB = reference(b.opus);
    const m = mixer();
    for (let k = 0; k < 8; k++) {
      m.push('a', rtp(1000 + k, a.opus[k]!), 0);
      m.push('b', rtp(50_000 + k, b.opus[k]!, { ssrc: 99 }), 0);
    }
    for (let k = 0; k < 8; k++) {
      const out = m.mix(k * 20);
      assert.ok(out.equals(sumClamped(refA[k]!, refB[k]!)), `tick ${k}`);
      assert.ok(!out.equals(refA[k]!) && !out.equals(refB[k]!), 'both are in it');
      if (k < 7) assert.equal(m.activeSpeakers, 2);
    }
    assert.equal(m.activeSpeakers, 0, 'both talkspurts ended');
  });

  it('a speaker joining later is summed from when their buffer is ready', () => {
    const a = talk(6, 6000);
    const b = talk(3, 6000, () => 1000);
    const refA = reference(a.opus);
    const refB = reference(b.opus);
    const m = mixer();
    for (let k = 0; k < 6; k++) m.push('a', rtp(k, a.opus[k]!), 0);
    assert.ok(m.mix(0).equals(refA[0]!));
    m.push('b', rtp(7, b.opus[0]!), 20);
    assert.ok(m.mix(20).equals(refA[1]!), 'b waits with one packet');
    m.push('b', rtp(8, b.opus[1]!), 40);
    assert.ok(m.mix(40).equals(sumClamped(refA[2]!, refB[0]!)));
    m.push('b', rtp(9, b.opus[2]!), 60);
    assert.ok(m.mix(60).equals(sumClamped(refA[3]!, refB[1]!)));
    assert.ok(m.mix(80).equals(sumClamped(refA[4]!, refB[2]!)));
    assert.ok(m.mix(100).equals(refA[5]!));
  });

  it('saturates instead of wrapping when the sum clips', () => {
    const loud = talk(8, 30_000, () => 200);
    const ref = reference(loud.opus);
    const m = mixer();
    for (let k = 0; k < 8; k++) {
      m.push('a', rtp(k, loud.opus[k]!), 0);
      m.push('b', rtp(k, loud.opus[k]!), 0);
    }
    let clippedHigh = 0;
    let clippedLow = 0;
    for (let k = 0; k < 8; k++) {
      const out = m.mix(k * 20);
      assert.ok(out.equals(sumClamped(ref[k]!, ref[k]!)), `tick ${k}`);
      const s = samples(out);
      const r = samples(ref[k]!);
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const sum = 2 * r[i]!;
        if (sum > 32767) {
          clippedHigh++;
          assert.equal(s[i], 32767);
        } else if (sum < -32768) {
          clippedLow++;
          assert.equal(s[i], -32768);
        } else {
          assert.equal(s[i], sum);
        }
        // A wrapped sum would flip sign.
        if (r[i]! > 0) assert.ok(s[i]! > 0, 'a positive sum never wraps negative');
        if (r[i]! < 0) assert.ok(s[i]! < 0, 'a negative sum never wraps positive');
      }
    }
    assert.ok(clippedHigh > 100 && clippedLow > 100, `the test must actually clip (${clippedHigh} high, ${clippedLow} low)`);
  });

  it('reorders packets that arrive out of order', () => {
    const ref = reference(TONE.opus.slice(0, 6));
    const m = mixer();
    for (const k of [1, 0, 3, 2, 5, 4]) m.push('a', rtp(500 + k, TONE.opus[k]!), 0);
    for (let k = 0; k < 6; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `frame ${k}`);
    assert.ok(m.mix(120).equals(SILENCE));
  });

  it('reorders a packet that arrives late but before its slot', () => {
    const ref = reference(TONE.opus.slice(0, 5));
    const m = mixer();
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    m.push('a', rtp(1, TONE.opus[1]!), 0);
    m.push('a', rtp(3, TONE.opus[3]!), 0);
    m.push('a', rtp(4, TONE.opus[4]!), 0);
    assert.ok(m.mix(0).equals(ref[0]!));
    m.push('a', rtp(2, TONE.opus[2]!), 20); // late, but slot 2 is still ahead
    for (let k = 1; k < 5; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `frame ${k}`);
  });

  it('orders across the 16-bit sequence wrap', () => {
    const ref = reference(TONE.opus.slice(0, 5));
    const m = mixer();
    const seqs = [65534, 65535, 0, 1, 2];
    for (const k of [0, 2, 1, 4, 3]) m.push('a', rtp(seqs[k]!, TONE.opus[k]!), 0);
    for (let k = 0; k < 5; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `frame ${k}`);
  });

  it('ignores a duplicate packet', () => {
    const ref = reference(TONE.opus.slice(0, 4));
    const m = mixer();
    m.push('a', rtp(10, TONE.opus[0]!), 0);
    m.push('a', rtp(11, TONE.opus[1]!), 0);
    m.push('a', rtp(11, TONE.opus[1]!), 0);
    m.push('a', rtp(10, TONE.opus[0]!), 0);
    m.push('a', rtp(12, TONE.opus[2]!), 0);
    m.push('a', rtp(13, TONE.opus[3]!), 0);
    m.push('a', rtp(12, TONE.opus[2]!), 0);
    for (let k = 0; k < 4; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `frame ${k}`);
    assert.ok(m.mix(80).equals(SILENCE), 'no duplicate frame at the end');
    assert.equal(m.packetsIn, 7, 'duplicates are counted in, not played');
  });

  it('a lost packet leaves 20 ms of silence and the stream goes on', () => {
    // The decoder never saw packet 2: the reference decodes 0, 1, 3, 4.
    const ref = reference([TONE.opus[0]!, TONE.opus[1]!, TONE.opus[3]!, TONE.opus[4]!]);
    const m = mixer();
    for (const k of [0, 1, 3, 4]) m.push('a', rtp(200 + k, TONE.opus[k]!), 0);
    assert.ok(m.mix(0).equals(ref[0]!));
    assert.ok(m.mix(20).equals(ref[1]!));
    assert.ok(m.mix(40).equals(SILENCE), 'the gap');
    assert.equal(m.activeSpeakers, 1, 'still playing through the gap');
    assert.ok(m.mix(60).equals(ref[2]!));
    assert.ok(m.mix(80).equals(ref[3]!));
  });

  it('several lost packets leave one silent tick each', () => {
    const ref = reference([TONE.opus[0]!, TONE.opus[4]!]);
    const m = mixer();
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    m.push('a', rtp(4, TONE.opus[4]!), 0);
    assert.ok(m.mix(0).equals(ref[0]!));
    for (let t = 1; t <= 3; t++) assert.ok(m.mix(t * 20).equals(SILENCE), `gap tick ${t}`);
    assert.ok(m.mix(80).equals(ref[1]!));
  });

  it('drops a packet whose slot was already mixed', () => {
    const ref = reference([TONE.opus[0]!, TONE.opus[1]!, TONE.opus[3]!, TONE.opus[4]!]);
    const m = mixer();
    for (const k of [0, 1, 3, 4]) m.push('a', rtp(k, TONE.opus[k]!), 0);
    assert.ok(m.mix(0).equals(ref[0]!));
    assert.ok(m.mix(20).equals(ref[1]!));
    assert.ok(m.mix(40).equals(SILENCE), 'slot 2 mixed as silence');
    m.push('a', rtp(2, TONE.opus[2]!), 45); // too late
    m.push('a', rtp(0, TONE.opus[0]!), 45); // far too late
    assert.ok(m.mix(60).equals(ref[2]!), 'packet 3, not the stale packet 2');
    assert.ok(m.mix(80).equals(ref[3]!));
    assert.ok(m.mix(100).equals(SILENCE));
    assert.equal(m.packetsIn, 6);
  });

  it('drops the oldest packets when more than 12 are queued (before playing)', () => {
    const m = mixer();
    for (let k = 0; k < 14; k++) m.push('a', rtp(k, TONE.opus[k]!), 0);
    const ref = reference(TONE.opus.slice(2, 14));
    for (let k = 0; k < 12; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `plays packet ${k + 2}`);
    assert.ok(m.mix(240).equals(SILENCE));
  });

  it('drops the oldest packet and skips ahead when it falls behind while playing', () => {
    const m = mixer();
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    m.push('a', rtp(1, TONE.opus[1]!), 0);
    const ref = reference([TONE.opus[0]!, ...TONE.opus.slice(2, 14)]);
    assert.ok(m.mix(0).equals(ref[0]!));
    // Queue: 1; twelve more arrive in a burst: 13 queued, packet 1 goes.
    for (let k = 2; k < 14; k++) m.push('a', rtp(k, TONE.opus[k]!), 20);
    for (let k = 1; k < 13; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `tick ${k}: packet ${k + 1}`);
    assert.ok(m.mix(13 * 20).equals(SILENCE));
  });

  it('counts a packet that is not Opus as a decode error, without throwing, and plays on', () => {
    const m = mixer();
    const bad = Buffer.from([0xff]); // TOC code 3 without its frame-count byte: invalid
    const bad2 = Buffer.from([0x03, 0x00]); // code 3 with zero frames: invalid
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    m.push('a', rtp(1, bad), 0);
    m.push('a', rtp(2, TONE.opus[2]!), 0);
    m.push('a', rtp(3, bad2), 0);
    m.push('a', rtp(4, TONE.opus[4]!), 0);
    const ref = reference([TONE.opus[0]!, TONE.opus[2]!, TONE.opus[4]!]);
    const outs: Buffer[] = [];
    assert.doesNotThrow(() => {
      for (let t = 0; t < 5; t++) outs.push(m.mix(t * 20));
    });
    assert.equal(m.decodeErrors, 2);
    // An undecodable packet yields no samples (unlike a lost one, no silence is put in its place).
    assert.ok(outs[0]!.equals(ref[0]!));
    assert.ok(outs[1]!.equals(ref[1]!));
    assert.ok(outs[2]!.equals(ref[2]!));
    assert.ok(outs[3]!.equals(SILENCE));
    assert.equal(m.activeSpeakers, 0);
  });

  it('a speaker whose only packets are undecodable produces silence', () => {
    const m = mixer();
    m.push('a', rtp(0, Buffer.from([0xff])), 0);
    m.push('a', rtp(1, Buffer.from([0xff])), 0);
    assert.ok(m.mix(0).equals(SILENCE));
    assert.equal(m.decodeErrors, 2);
    assert.equal(m.activeSpeakers, 0);
  });

  it('ignores malformed RTP: short, header only, bad padding, truncated extension or CSRCs', () => {
    const m = mixer();
    const good = rtp(0, TONE.opus[0]!);
    const zeroPad = Buffer.from(good);
    zeroPad[0] = 0x80 | 0x20;
    zeroPad[zeroPad.length - 1] = 0; // padding count 0
    const overPad = Buffer.from(good);
    overPad[0] = 0x80 | 0x20;
    overPad[overPad.length - 1] = 255; // more padding than payload
    const allPadding = rtp(0, Buffer.alloc(0), { padding: 4 }); // nothing left after the padding
    const ext = Buffer.concat([Buffer.from([0x90, 111, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.from([0xbe, 0xde, 0x00, 0x10])]); // extension claims 64 bytes
    const csrc = Buffer.from([0x8f, 111, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]); // 15 CSRCs claimed
    for (const b of [Buffer.alloc(0), Buffer.alloc(5), good.subarray(0, 11), good.subarray(0, 12), zeroPad, overPad, allPadding, ext, csrc]) {
      assert.doesNotThrow(() => m.push('a', b, 0));
    }
    assert.equal(m.packetsIn, 0, 'none counted');
    assert.ok(m.mix(0).equals(SILENCE));
    assert.ok(m.mix(20).equals(SILENCE));
    assert.equal(m.decodeErrors, 0);
    assert.equal(m.activeSpeakers, 0);
  });

  it('reads the payload after CSRCs and a header extension, and before RTP padding', () => {
    const ref = reference(TONE.opus.slice(0, 3));
    const m = mixer();
    m.push('a', rtp(0, TONE.opus[0]!, { padding: 7 }), 0);
    // CSRC count 1 and a one-byte-header extension (one 4-byte word).
    const hdr = Buffer.from([0x91, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 9, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]);
    m.push('a', Buffer.concat([hdr, TONE.opus[1]!]), 0);
    m.push('a', rtp(2, TONE.opus[2]!, { padding: 1 }), 0);
    for (let k = 0; k < 3; k++) assert.ok(m.mix(k * 20).equals(ref[k]!), `frame ${k}`);
    assert.equal(m.decodeErrors, 0);
  });

  it('re-buffers after a talkspurt ends', () => {
    const ref = reference(TONE.opus.slice(0, 6));
    const m = mixer();
    m.push('a', rtp(0, TONE.opus[0]!), 0);
    m.push('a', rtp(1, TONE.opus[1]!), 0);
    assert.ok(m.mix(0).equals(ref[0]!));
    assert.ok(m.mix(20).equals(ref[1]!));
    assert.equal(m.activeSpeakers, 0, 'queue ran dry: the talkspurt is over');
    assert.ok(m.mix(40).equals(SILENCE));
    // The gate opens again (sequence numbers went on while it was closed).
    m.push('a', rtp(5, TONE.opus[2]!), 60);
    assert.ok(m.mix(60).equals(SILENCE), 'buffering again: one packet waits');
    m.push('a', rtp(6, TONE.opus[3]!), 80);
    assert.ok(m.mix(80).equals(ref[2]!), 'then plays, without silence for the skipped sequence numbers');
    assert.ok(m.mix(100).equals(ref[3]!));
    assert.ok(m.mix(120).equals(SILENCE));
  });

  it('carries over the samples of a 40 ms packet into the next tick', () => {
    const long = talk(3, 8000, () => 500, 2 * FRAME_SAMPLES);
    const ref = reference(long.opus);
    assert.equal(ref[0]!.length, 4 * FRAME_SAMPLES, '40 ms decoded');
    const m = mixer();
    for (let k = 0; k < 3; k++) m.push('a', rtp(k, long.opus[k]!), 0);
    const half = FRAME_SAMPLES * 2;
    for (let k = 0; k < 3; k++) {
      assert.ok(m.mix(0).equals(ref[k]!.subarray(0, half)), `packet ${k}, first half`);
      assert.ok(m.mix(0).equals(ref[k]!.subarray(half)), `packet ${k}, second half`);
    }
    assert.ok(m.mix(0).equals(SILENCE));
  });

  it('decodes two 10 ms packets into one tick', () => {
    const short = talk(4, 8000, () => 500, FRAME_SAMPLES / 2);
    const ref = reference(short.opus);
    const m = mixer();
    for (let k = 0; k < 4; k++) m.push('a', rtp(k, short.opus[k]!), 0);
    assert.ok(m.mix(0).equals(Buffer.concat([ref[0]!, ref[1]!])));
    assert.ok(m.mix(20).equals(Buffer.concat([ref[2]!, ref[3]!])));
    assert.ok(m.mix(40).equals(SILENCE));
  });

  it('keeps an idle speaker’s decoder for 10 s, then gives it back', () => {
    const first = TONE.opus.slice(0, 2);
    const next = TONE.opus.slice(2, 4);
    const continued = reference([...first, ...next]).slice(2);
    const fresh = reference(next);
    assert.ok(!continued[0]!.equals(fresh[0]!), 'decoder state shows (or this test could not tell)');

    const kept = mixer();
    kept.push('a', rtp(0, first[0]!), 0);
    kept.push('a', rtp(1, first[1]!), 0);
    kept.mix(0);
    kept.mix(20);
    kept.mix(10_000); // exactly 10 s after the last packet: kept
    kept.push('a', rtp(2, next[0]!), 10_010);
    kept.push('a', rtp(3, next[1]!), 10_010);
    assert.ok(kept.mix(10_020).equals(continued[0]!), 'same decoder, same sequence');

    const released = mixer();
    released.push('a', rtp(0, first[0]!), 0);
    released.push('a', rtp(1, first[1]!), 0);
    released.mix(0);
    released.mix(20);
    released.mix(10_001); // idle for more than 10 s: released
    released.push('a', rtp(40_000, next[0]!), 10_010); // a sequence far from the old one: a new stream
    released.push('a', rtp(40_001, next[1]!), 10_010);
    assert.ok(released.mix(10_020).equals(fresh[0]!), 'a fresh decoder');
    assert.ok(released.mix(10_040).equals(fresh[1]!));
  });

  it('separates speakers: one speaker’s sequence numbers do not affect another', () => {
    const a = talk(3, 5000);
    const b = talk(3, 5000, () => 800);
    const refA = reference(a.opus);
    const refB = reference(b.opus);
    const m = mixer();
    for (let k = 0; k < 3; k++) {
      m.push('a', rtp(10 + k, a.opus[k]!), 0);
      m.push('b', rtp(10 + k, b.opus[k]!), 0); // the same sequence numbers: not duplicates
    }
    for (let k = 0; k < 3; k++) assert.ok(m.mix(k * 20).equals(sumClamped(refA[k]!, refB[k]!)));
  });

  it('does not keep the pushed buffer (it is rewritten right after)', () => {
    const ref = reference(TONE.opus.slice(0, 2));
    const m = mixer();
    const p0 = rtp(0, TONE.opus[0]!);
    const p1 = rtp(1, TONE.opus[1]!);
    m.push('a', p0, 0);
    m.push('a', p1, 0);
    p0.fill(0, 12);
    p1.fill(0xff, 12);
    assert.ok(m.mix(0).equals(ref[0]!));
    assert.ok(m.mix(20).equals(ref[1]!));
  });

  it('close() releases every speaker; the mixer is silent afterwards', () => {
    const m = mixer();
    for (let k = 0; k < 4; k++) m.push('a', rtp(k, TONE.opus[k]!), 0);
    assert.ok(!m.mix(0).equals(SILENCE));
    m.close();
    assert.equal(m.activeSpeakers, 0);
    assert.ok(m.mix(20).equals(SILENCE), 'queued packets went with the speaker');
    m.close(); // twice is fine
  });

  // Regression: a stale packet after a talkspurt used to be queued and played out of order.
  it('drops a packet whose slot was mixed even after the talkspurt ended', () => {
    const m = mixer();
    for (const k of [0, 1, 3]) m.push('a', rtp(k, TONE.opus[k]!), 0);
    m.mix(0); // 0
    m.mix(20); // 1
    assert.ok(m.mix(40).equals(SILENCE), 'slot 2 mixed as silence');
    assert.ok(!m.mix(60).equals(SILENCE), 'packet 3');
    assert.equal(m.activeSpeakers, 0, 'talkspurt over');
    m.push('a', rtp(2, TONE.opus[2]!), 70); // stale: slot 2 is long gone
    assert.ok(m.mix(80).equals(SILENCE));
    assert.ok(m.mix(100).equals(SILENCE), 'the stale packet must not be played');
  });
});
