// Reception statistics (RFC 3550 A.1, A.3, A.8): loss, wrap-around, reordering, restarts,
// jitter and the LSR/DLSR echo, checked against values worked out by hand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReceiveStats } from '../../../src/wire/receive-stats.js';
import { emptyReceptionReport, type ReceptionReport } from '../../../src/wire/rtcp.js';

const CLOCK = 48_000;
const FRAME_MS = 20;
const FRAME_TS = (CLOCK * FRAME_MS) / 1000; // 960
const T0 = 1_700_000_000_000;

function blank(): ReceptionReport {
  return emptyReceptionReport();
}

/** Feeds packets by sequence number, each perfectly paced: packet k of the stream at T0 + 20k ms. */
function feed(stats: ReceiveStats, seqs: number[], first = seqs[0] ?? 0): void {
  for (const seq of seqs) {
    const k = (seq - first + 0x10000) & 0xffff;
    stats.onPacket(seq, (k * FRAME_TS) >>> 0, T0 + k * FRAME_MS);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => (from + i) & 0xffff);

describe('loss', () => {
  it('an unbroken sequence has no loss', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(1000, 1099));
    const r = s.report(0x1234, T0, blank());
    assert.equal(s.received, 100);
    assert.equal(s.expected, 100);
    assert.equal(r.cumulativeLost, 0);
    assert.equal(r.fractionLost, 0);
    assert.equal(r.extendedHighestSeq, 1099);
    assert.equal(r.sourceSsrc, 0x1234);
  });

  it('counts the gaps: cumulative lost and fraction lost in 1/256', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [0, 1, 2, 4, 5, 6, 8, 9]); // 3 and 7 missing
    assert.equal(s.expected, 10);
    assert.equal(s.cumulativeLost, 2);
    const r = s.report(1, T0, blank());
    assert.equal(r.cumulativeLost, 2);
    assert.equal(r.fractionLost, Math.floor((2 * 256) / 10)); // 51
    assert.equal(s.lastFractionLost, 51 / 256);
  });

  it('the fraction is per reporting interval; the cumulative count is not', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [0, 1, 2, 4, 5, 6, 8, 9], 0);
    assert.equal(s.report(1, T0, blank()).fractionLost, 51);
    // Second interval: 10..19 all arrive.
    feed(s, range(10, 19), 0);
    const second = s.report(1, T0, blank());
    assert.equal(second.fractionLost, 0);
    assert.equal(second.cumulativeLost, 2);
    assert.equal(s.lastFractionLost, 0);
    // Third interval: 20..23 with 21 lost: 1 of 4.
    feed(s, [20, 22, 23], 0);
    const third = s.report(1, T0, blank());
    assert.equal(third.fractionLost, 64);
    assert.equal(third.cumulativeLost, 3);
    // An interval with nothing received reports no fraction (nothing was expected).
    const empty = s.report(1, T0, blank());
    assert.equal(empty.fractionLost, 0);
    assert.equal(empty.cumulativeLost, 3);
  });

  it('losing everything but the last packet of an interval gives a fraction near 255', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [0]);
    s.report(1, T0, blank());
    feed(s, [100], 0);
    const r = s.report(1, T0, blank());
    assert.equal(r.cumulativeLost, 99);
    assert.equal(r.fractionLost, Math.floor((99 * 256) / 100));
  });

  it('report() fills and returns the object it is given', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [5]);
    const out = blank();
    assert.equal(s.report(7, T0, out), out);
    assert.equal(out.sourceSsrc, 7);
    assert.equal(out.extendedHighestSeq, 5);
  });

  it('nothing received means nothing expected', () => {
    const s = new ReceiveStats(CLOCK);
    assert.equal(s.expected, 0);
    const r = s.report(1, T0, blank());
    assert.equal(r.cumulativeLost, 0);
    assert.equal(r.fractionLost, 0);
  });
});

describe('sequence wrap-around', () => {
  it('extends the sequence number past 65535', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(65530, 65535 + 6)); // 65530..65535, 0..5
    const r = s.report(1, T0, blank());
    assert.equal(r.extendedHighestSeq, 0x10000 + 5);
    assert.equal(s.expected, 12);
    assert.equal(r.cumulativeLost, 0);
  });

  it('counts a loss that straddles the wrap', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [65533, 65534, 1, 2]); // 65535 and 0 lost
    assert.equal(s.extendedHighestSeq, 0x10000 + 2);
    assert.equal(s.cumulativeLost, 2);
  });

  it('wraps more than once', () => {
    const s = new ReceiveStats(CLOCK);
    let seq = 60000;
    for (let i = 0; i < 140_000; i++, seq = (seq + 1) & 0xffff) s.onPacket(seq, 0, T0);
    assert.equal(s.expected, 140_000);
    assert.equal(s.cumulativeLost, 0);
    assert.equal(s.extendedHighestSeq, 60000 + 140_000 - 1);
  });
});

describe('reordering and duplicates', () => {
  it('a late packet is counted as received and does not move the highest sequence back', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [0, 1, 3, 2, 4]);
    assert.equal(s.extendedHighestSeq, 4);
    assert.equal(s.cumulativeLost, 0);
  });

  it('a late packet from before the wrap does not add a cycle', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [65534, 0, 65535, 1], 65534);
    assert.equal(s.extendedHighestSeq, 0x10000 + 1);
    assert.equal(s.cumulativeLost, 0);
  });

  it('duplicates count as received, so cumulative lost may go negative (as RFC 3550 says)', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [0, 1, 1, 2, 2]);
    assert.equal(s.expected, 3);
    assert.equal(s.received, 5);
    const r = s.report(1, T0, blank());
    assert.equal(r.cumulativeLost, -2);
    assert.equal(r.fractionLost, 0, 'a negative interval loss reports as 0');
  });
});

describe('big jumps', () => {
  it('two sequential packets after a big jump mean a restart: re-base rather than report a huge loss', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(100, 110));
    assert.equal(s.onPacket(40_000, 0, T0), false, 'the first packet of the jump is held back');
    assert.equal(s.onPacket(40_001, 960, T0 + 20), true, 'the second confirms the restart');
    feed(s, range(40_002, 40_010), 40_001);
    const r = s.report(1, T0, blank());
    assert.equal(r.extendedHighestSeq, 40_010);
    assert.equal(s.expected, 10);
    assert.equal(r.cumulativeLost, 0);
    assert.equal(r.fractionLost, 0);
  });

  it('a single stray packet far away is ignored, not taken for a restart', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(100, 110));
    assert.equal(s.onPacket(30_000, 123, T0), false);
    assert.equal(s.received, 11);
    assert.equal(s.extendedHighestSeq, 110);
    feed(s, range(111, 120), 100);
    const r = s.report(1, T0, blank());
    assert.equal(r.cumulativeLost, 0);
    assert.equal(r.fractionLost, 0);
    assert.equal(r.extendedHighestSeq, 120);
  });

  it('a very late packet (more than the misorder window behind) does not fake a huge loss', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(0, 300));
    s.report(1, T0, blank());
    assert.equal(s.onPacket(150, 0, T0), false);
    feed(s, range(301, 310), 0);
    const r = s.report(1, T0, blank());
    assert.equal(r.extendedHighestSeq, 310);
    assert.equal(r.cumulativeLost, 0);
    assert.equal(r.fractionLost, 0);
  });

  it('a forward gap below the dropout limit is loss, not a restart', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [0, 2999]);
    assert.equal(s.extendedHighestSeq, 2999);
    assert.equal(s.cumulativeLost, 2998);
  });
});

describe('jitter', () => {
  it('stays 0 for perfectly paced packets', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(0, 499));
    assert.equal(s.report(1, T0, blank()).jitter, 0);
  });

  it('stays 0 when the whole stream is offset by a constant network delay', () => {
    const s = new ReceiveStats(CLOCK);
    for (let k = 0; k < 200; k++) s.onPacket(k, 5_000_000 + k * FRAME_TS, T0 + 137 + k * FRAME_MS);
    assert.equal(s.report(1, T0, blank()).jitter, 0);
  });

  it('grows with jittery arrival, towards the mean transit difference', () => {
    const s = new ReceiveStats(CLOCK);
    // Every other packet arrives 10 ms late: each transit differs from the last by 480 units.
    for (let k = 0; k < 400; k++) s.onPacket(k, k * FRAME_TS, T0 + k * FRAME_MS + (k % 2 ? 10 : 0));
    const jitter = s.report(1, T0, blank()).jitter;
    assert.ok(jitter > 400 && jitter <= 480, `jitter ${jitter}`);
  });

  it('converges with the 1/16 gain of A.8', () => {
    const s = new ReceiveStats(CLOCK);
    // One late packet: D = 480 between packets 0 and 1, then 480 again back to schedule.
    s.onPacket(0, 0, T0);
    s.onPacket(1, FRAME_TS, T0 + FRAME_MS + 10);
    assert.equal(s.report(1, T0, blank()).jitter, 480 / 16); // J = 0 + (480 - 0) / 16
    s.onPacket(2, 2 * FRAME_TS, T0 + 2 * FRAME_MS);
    // J = 30 + (480 - 30) / 16 = 58.125
    assert.equal(s.report(1, T0, blank()).jitter, 58);
  });

  it('ignores a timestamp jump (a silence gap) rather than reading it as jitter', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, range(0, 49));
    // The sender skips 10 s of timestamps (DTX); arrival stays on its 20 ms grid.
    for (let k = 50; k < 100; k++) s.onPacket(k, k * FRAME_TS + 10 * CLOCK, T0 + k * FRAME_MS);
    assert.equal(s.report(1, T0, blank()).jitter, 0);
  });
});

describe('LSR and DLSR', () => {
  it('are 0 before any sender report', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [1]);
    const r = s.report(1, T0 + 5000, blank());
    assert.equal(r.lastSr, 0);
    assert.equal(r.delaySinceLastSr, 0);
  });

  it('echo the last SR and the delay since, in 1/65536 s', () => {
    const s = new ReceiveStats(CLOCK);
    feed(s, [1]);
    s.onSenderReport(0x12345678, T0);
    const r = s.report(1, T0 + 1500, blank());
    assert.equal(r.lastSr, 0x12345678);
    assert.equal(r.delaySinceLastSr, 1.5 * 65536);
    // A newer SR replaces the old one.
    s.onSenderReport(0x9abcdef0, T0 + 2000);
    const r2 = s.report(1, T0 + 2250, blank());
    assert.equal(r2.lastSr, 0x9abcdef0);
    assert.equal(r2.delaySinceLastSr, 0.25 * 65536);
  });
});
