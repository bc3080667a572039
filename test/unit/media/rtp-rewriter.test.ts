// The one RTP rewrite of the audio and video slots, on its own: no tracks, no sockets, and no
// buffer but a 12-byte header. The pure translation is checked for what the subscriber must
// see (one continuous sequence, a timestamp line that continues by wall-clock time across a
// change of source, nothing sent with a number already used), through sequence and timestamp
// wrap, gaps, reordering and late packets, and the sender reports against the same line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  RtpRewriter,
  Verdict,
  emptyTranslation,
  initialRewriteState,
  senderReportTimestamp,
  translateRtp,
  type RtpRewriteState,
} from '../../../src/media/forwarding/rtp-rewriter.js';
import { rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../../../src/wire/rtp.js';
import { RTCP_SR } from '../../../src/wire/rtcp.js';

const CLOCK = 48_000;
const SSRC = 0xabcd1234;
const PT = 111;

function rewriter(minStepMs = 20): RtpRewriter {
  return new RtpRewriter({ ssrc: SSRC, clockRate: CLOCK, minStepMs, payloadType: PT });
}

/** A bare RTP header as it arrived from a source (another SSRC and payload type). */
function header(seq: number, ts: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(0x11111111, 8);
  return b;
}

interface Sent {
  verdict: Verdict;
  seq: number;
  ts: number;
}

/** Translates, and when the verdict is Send applies to a header and reads back what would go out. */
function push(rw: RtpRewriter, seq: number, ts: number, nowMs: number, keyframe = false): Sent {
  const t = rw.translate(seq, ts, keyframe, nowMs);
  if (t.verdict !== Verdict.Send) return { verdict: t.verdict, seq: -1, ts: -1 };
  const h = header(seq, ts);
  rw.apply(h, t, nowMs);
  assert.equal(rtpSsrc(h), SSRC);
  assert.equal(rtpPayloadType(h), PT);
  return { verdict: t.verdict, seq: rtpSequence(h), ts: rtpTimestamp(h) };
}

describe('RtpRewriter: one source', () => {
  it('passes the first source through unchanged, with our SSRC and payload type', () => {
    const rw = rewriter();
    assert.deepEqual(push(rw, 1234, 5_000_000, 0), { verdict: Verdict.Send, seq: 1234, ts: 5_000_000 });
    assert.deepEqual(push(rw, 1235, 5_000_960, 20), { verdict: Verdict.Send, seq: 1235, ts: 5_000_960 });
  });

  it('stays contiguous across the sequence wrap at 65535', () => {
    const rw = rewriter();
    const out = [65533, 65534, 65535, 0, 1, 2].map((seq, i) => push(rw, seq, i * 960, i * 20).seq);
    assert.deepEqual(out, [65533, 65534, 65535, 0, 1, 2]);
  });

  it('wraps the timestamp at 2^32', () => {
    const rw = rewriter();
    const start = 0xffffffff - 960;
    const out = [0, 1, 2].map((i) => push(rw, 10 + i, start + i * 960, i * 20).ts);
    assert.deepEqual(out, [start, (start + 960) >>> 0, (start + 1920) >>> 0]);
    assert.equal(out[2], 959);
  });

  it('sends a reordered packet with its own number, and it does not rewind where the next run continues', () => {
    const rw = rewriter();
    push(rw, 100, 0, 0);
    push(rw, 102, 1920, 40);
    assert.deepEqual(push(rw, 101, 960, 45), { verdict: Verdict.Send, seq: 101, ts: 960 });
    rw.markGap();
    assert.equal(push(rw, 500, 400 * 960, 8000).seq, 103, 'continues after 102, the newest, not after 101');
  });

  it('sends a run longer than the sequence space, and a reordered packet near its end', () => {
    const rw = rewriter();
    for (let i = 0; i < 70_000; i++) assert.equal(push(rw, (500 + i) & 0xffff, i * 960, i * 20).seq, (500 + i) & 0xffff);
    assert.equal(push(rw, (500 + 69_990) & 0xffff, 69_990 * 960, 1_400_000).verdict, Verdict.Send);
    assert.equal(push(rw, (500 + 70_000) & 0xffff, 70_000 * 960, 1_400_001).verdict, Verdict.Send);
  });

  it('takes any jump ahead as the newest: a source that skips numbers is not stuck behind them', () => {
    const rw = rewriter();
    push(rw, 10, 0, 0);
    assert.equal(push(rw, 30_000, 960, 20).seq, 30_000);
    assert.equal(push(rw, 30_001, 1920, 40).seq, 30_001);
  });

  it('keeps the timestamp line across a gap (held-back packets): only the sequence closes up', () => {
    const rw = rewriter();
    push(rw, 10, 9600, 0);
    push(rw, 11, 10_560, 20);
    rw.markGap();
    // 50 packets held back: the timestamp jump is real time and stays, the sequence does not jump.
    assert.deepEqual(push(rw, 62, 10_560 + 51 * 960, 1040), { verdict: Verdict.Send, seq: 12, ts: 10_560 + 51 * 960 });
    assert.deepEqual(push(rw, 63, 10_560 + 52 * 960, 1060), { verdict: Verdict.Send, seq: 13, ts: 10_560 + 52 * 960 });
  });

  it('drops a packet from before a gap that arrives after it: its number was given to the first packet after the gap', () => {
    const rw = rewriter();
    push(rw, 10, 0, 0);
    rw.markGap();
    assert.equal(push(rw, 20, 9600, 200).seq, 11);
    assert.equal(push(rw, 19, 8640, 201).verdict, Verdict.Late);
    assert.equal(push(rw, 21, 10_560, 220).seq, 12, 'the late packet changed nothing');
  });
});

describe('RtpRewriter: switching sources', () => {
  it('continues the sequence and advances the timestamp by the wall-clock time since the last packet', () => {
    const rw = rewriter();
    push(rw, 100, 1000, 0);
    push(rw, 101, 1960, 20);
    rw.switchSource(false);
    // 500 ms later, a source with unrelated numbers.
    assert.deepEqual(push(rw, 40_000, 3_000_000_000, 520), { verdict: Verdict.Send, seq: 102, ts: 1960 + 24_000 });
    assert.deepEqual(push(rw, 40_001, 3_000_000_960, 540), { verdict: Verdict.Send, seq: 103, ts: 1960 + 24_960 });
  });

  it('advances the timestamp by at least the minimum step, even when the new source follows at once', () => {
    const rw = rewriter(20);
    push(rw, 1, 0, 1000);
    rw.switchSource(false);
    assert.equal(push(rw, 9, 777, 1001).ts, 960);
    const video = rewriter(1);
    push(video, 1, 0, 1000);
    video.switchSource(false);
    assert.equal(push(video, 9, 777, 1000).ts, 48);
  });

  it('wraps both lines when the switch lands on 65535 and near 2^32', () => {
    const rw = rewriter();
    push(rw, 65534, 0xffffffff - 100, 0);
    rw.switchSource(false);
    assert.deepEqual(push(rw, 7, 123, 20), { verdict: Verdict.Send, seq: 65535, ts: (0xffffffff - 100 + 960) >>> 0 });
    assert.deepEqual(push(rw, 8, 123 + 960, 40), { verdict: Verdict.Send, seq: 0, ts: (0xffffffff - 100 + 1920) >>> 0 });
  });

  it('after a switch, drops a packet reordered behind the run’s first: its number went to the old source’s last', () => {
    const rw = rewriter();
    push(rw, 300, 0, 0);
    push(rw, 301, 960, 20);
    rw.switchSource(false);
    assert.equal(push(rw, 9000, 90_000, 40).seq, 302);
    // Sent, it would go out as 301 again, the old source's last packet.
    assert.equal(push(rw, 8999, 89_040, 41).verdict, Verdict.Late);
    assert.equal(push(rw, 9001, 90_960, 60).seq, 303);
  });

  it('a gap marked while a switch is pending still re-bases the timestamp', () => {
    const rw = rewriter();
    push(rw, 1, 0, 0);
    rw.switchSource(false);
    rw.markGap();
    assert.equal(push(rw, 50, 7, 1000).ts, 48_000);
  });

  it('waits for a keyframe when asked to, changing nothing until it comes', () => {
    const rw = rewriter(1);
    push(rw, 10, 0, 0, true);
    push(rw, 11, 3000, 33);
    rw.switchSource(true);
    assert.equal(rw.waitingForKeyframe, true);
    assert.equal(push(rw, 500, 90_000, 66).verdict, Verdict.WaitForKeyframe);
    assert.equal(push(rw, 501, 93_000, 99).verdict, Verdict.WaitForKeyframe);
    assert.deepEqual(push(rw, 502, 96_000, 133, true), { verdict: Verdict.Send, seq: 12, ts: 3000 + 4800 });
    assert.equal(rw.waitingForKeyframe, false);
    assert.equal(push(rw, 503, 96_000, 140).seq, 13);
  });
});

describe('translateRtp is pure', () => {
  it('reads the state and writes only its output, whatever the state and packet', () => {
    fc.assert(
      fc.property(
        fc.record({
          started: fc.boolean(),
          pending: fc.constantFrom(0, 1, 2),
          waitingForKeyframe: fc.boolean(),
          seqOffset: fc.integer({ min: 0, max: 0xffff }),
          tsOffset: fc.nat({ max: 0xffffffff }),
          lastOutSeq: fc.integer({ min: 0, max: 0xffff }),
          lastOutTs: fc.nat({ max: 0xffffffff }),
          lastOutAtMs: fc.nat({ max: 1e9 }),
          runStartOutSeq: fc.integer({ min: 0, max: 0xffff }),
        }) as fc.Arbitrary<RtpRewriteState>,
        fc.integer({ min: 0, max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        fc.boolean(),
        fc.nat({ max: 2e9 }),
        (state, seq, ts, keyframe, now) => {
          const before = { ...state };
          const a = { ...translateRtp(state, { clockRate: CLOCK, minStepMs: 20 }, seq, ts, keyframe, now, emptyTranslation()) };
          const b = { ...translateRtp(state, { clockRate: CLOCK, minStepMs: 20 }, seq, ts, keyframe, now, emptyTranslation()) };
          assert.deepEqual({ ...state }, before);
          assert.deepEqual(a, b);
          if (a.verdict === Verdict.Send) {
            assert.ok(a.outSeq >= 0 && a.outSeq <= 0xffff);
            assert.ok(a.outTs >= 0 && a.outTs <= 0xffffffff);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('RtpRewriter: any sequence of sources and gaps', () => {
  // Each run: a switch to a new source or a gap in the same one, the source's own starting
  // numbers, how many 20 ms packets, and how long nothing was forwarded before it.
  const run = fc.record({
    kind: fc.constantFrom('switch', 'gap'),
    seq: fc.integer({ min: 0, max: 0xffff }),
    ts: fc.nat({ max: 0xffffffff }),
    packets: fc.integer({ min: 1, max: 40 }),
    pauseMs: fc.integer({ min: 0, max: 5000 }),
  });

  it('the subscriber sees one sequence without a hole or a repeat, and a timestamp line that follows real time', () => {
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 30 }), (runs) => {
        const rw = rewriter();
        let now = 0;
        let prev = null as Sent | null;
        let srcSeq = 0;
        let srcTs = 0;
        for (const r of runs) {
          const switching = r.kind === 'switch' || prev === null;
          if (switching) {
            rw.switchSource(false);
            srcSeq = r.seq;
            srcTs = r.ts;
          } else {
            rw.markGap();
            // The same source went on meanwhile: its numbers advanced with its clock.
            srcSeq += Math.floor(r.pauseMs / 20);
            srcTs += (Math.floor(r.pauseMs / 20) * 960) >>> 0;
          }
          now += 20 + r.pauseMs;
          const pauseStartedAt = now - r.pauseMs - 20;
          for (let i = 0; i < r.packets; i++) {
            const out = push(rw, srcSeq & 0xffff, srcTs >>> 0, now);
            assert.equal(out.verdict, Verdict.Send);
            if (prev) {
              assert.equal(out.seq, (prev.seq + 1) & 0xffff, 'contiguous');
              const step: number = (out.ts - prev.ts) >>> 0;
              if (i > 0) assert.equal(step, 960, 'a source’s own spacing is kept');
              else if (switching) assert.equal(step, Math.max(20, now - pauseStartedAt) * 48, 'wall-clock since the last packet');
              else assert.equal(step, (Math.floor(r.pauseMs / 20) + 1) * 960, 'a gap keeps the source’s own timestamps');
            }
            prev = out;
            srcSeq++;
            srcTs = (srcTs + 960) >>> 0;
            now += 20;
          }
          now -= 20;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('RtpRewriter: retransmissions', () => {
  it('maps an outgoing number back to the source’s for the current run only, and a resend changes nothing', () => {
    const rw = rewriter(1);
    push(rw, 10, 0, 0, true);
    push(rw, 11, 3000, 33);
    rw.switchSource(true);
    assert.equal(rw.sourceSequenceOf(11), -1, 'waiting for a keyframe: nothing to repair');
    push(rw, 7000, 500, 66, true); // out 12
    push(rw, 7001, 3500, 99); // out 13
    assert.equal(rw.sourceSequenceOf(12), 7000);
    assert.equal(rw.sourceSequenceOf(13), 7001);
    assert.equal(rw.sourceSequenceOf(11), -1, 'the old source’s packet is not ours to resend');
    const h = header(7000, 500);
    rw.applyRetransmission(h, 7000, 500);
    assert.equal(rtpSequence(h), 12);
    assert.equal(rtpSsrc(h), SSRC);
    assert.equal(push(rw, 7002, 6500, 133).seq, 14);
  });
});

describe('RtpRewriter: sender reports', () => {
  /** The RTP timestamp and the packet and octet counts of a sender report. */
  function report(rw: RtpRewriter, nowMs: number): { ts: number; packets: number; octets: number } | null {
    const scratch = Buffer.alloc(64);
    const len = rw.writeSenderReport(scratch, nowMs);
    if (len === 0) return null;
    assert.equal(scratch[1], RTCP_SR);
    assert.equal(scratch.readUInt32BE(4), SSRC);
    return { ts: scratch.readUInt32BE(16), packets: scratch.readUInt32BE(20), octets: scratch.readUInt32BE(24) };
  }

  it('says nothing before the first packet', () => {
    assert.equal(report(rewriter(), 1000), null);
  });

  it('extrapolates the outgoing timestamp line to the time of the report, across a switch and across 2^32', () => {
    const rw = rewriter();
    push(rw, 1, 0xffffffff - 4800, 1000);
    const sent = Buffer.alloc(12 + 100);
    sent[0] = 0x80;
    rw.countSent(sent);
    assert.deepEqual(report(rw, 1250), { ts: (0xffffffff - 4800 + 12_000) >>> 0, packets: 1, octets: 100 });
    rw.switchSource(false);
    push(rw, 900, 42, 2000); // the line continues 1000 ms on: 48,000 ticks
    assert.equal(report(rw, 2000)!.ts, (0xffffffff - 4800 + 48_000) >>> 0);
  });

  it('is the same pure extrapolation the state gives', () => {
    const state = initialRewriteState();
    state.started = true;
    state.lastOutTs = 0xfffffff0;
    state.lastOutAtMs = 10_000;
    assert.equal(senderReportTimestamp(state, 90_000, 10_001), (0xfffffff0 + 90) >>> 0);
    assert.equal(senderReportTimestamp(state, 90_000, 10_000), 0xfffffff0);
  });
});
