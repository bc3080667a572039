// RTCP writers and the compound-packet visitor: what we write comes back through
// visitRtcp, hand-built feedback parses, and malformed or random input neither throws
// nor reads outside the buffer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RTCP_PSFB,
  RTCP_RR,
  RTCP_RTPFB,
  RTCP_SR,
  ntpMiddle,
  ntpNow,
  visitRtcp,
  writePli,
  writeReceiverReport,
  writeSenderReport,
  type ReceptionReport,
  type RtcpVisitor,
} from '../../../src/wire/rtcp.js';
import { guarded, prng, randomBuffer } from './buffers.js';

type Event =
  | { kind: 'sr'; ssrc: number; ntpMiddle: number; rtpTimestamp: number }
  | { kind: 'block'; sourceSsrc: number; fractionLost: number; cumulativeLost: number; jitter: number }
  | { kind: 'pli'; mediaSsrc: number }
  | { kind: 'nack'; mediaSsrc: number; pid: number; blp: number };

function collect(buf: Buffer): { count: number; events: Event[] } {
  const events: Event[] = [];
  const v: RtcpVisitor = {
    senderReport: (ssrc, ntpMiddle, rtpTimestamp) => events.push({ kind: 'sr', ssrc, ntpMiddle, rtpTimestamp }),
    reportBlock: (sourceSsrc, fractionLost, cumulativeLost, jitter) => events.push({ kind: 'block', sourceSsrc, fractionLost, cumulativeLost, jitter }),
    pli: (mediaSsrc) => events.push({ kind: 'pli', mediaSsrc }),
    nack: (mediaSsrc, pid, blp) => events.push({ kind: 'nack', mediaSsrc, pid, blp }),
  };
  const count = visitRtcp(buf, v);
  return { count, events };
}

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function report(overrides: Partial<ReceptionReport> = {}): ReceptionReport {
  return {
    sourceSsrc: 0x11223344,
    fractionLost: 25,
    cumulativeLost: 1234,
    extendedHighestSeq: 0x0001fffe,
    jitter: 321,
    lastSr: 0xabcd1234,
    delaySinceLastSr: 98304,
    ...overrides,
  };
}

function sr(ssrc = 0xdeadbeef, nowMs = NOW, rtpTs = 0xfffffff0): Buffer {
  const out = Buffer.alloc(28);
  assert.equal(writeSenderReport(out, ssrc, nowMs, rtpTs, 4321, 654321), 28);
  return out;
}

function rr(senderSsrc = 0x01020304, r = report()): Buffer {
  const out = Buffer.alloc(32);
  assert.equal(writeReceiverReport(out, senderSsrc, r), 32);
  return out;
}

function pli(senderSsrc = 0x0a0b0c0d, mediaSsrc = 0x99887766): Buffer {
  const out = Buffer.alloc(12);
  assert.equal(writePli(out, senderSsrc, mediaSsrc), 12);
  return out;
}

/** Generic NACK (RTPFB, FMT 1) with the given FCI entries. */
function nack(mediaSsrc: number, entries: Array<[number, number]>): Buffer {
  const out = Buffer.alloc(12 + entries.length * 4);
  out[0] = 0x81;
  out[1] = RTCP_RTPFB;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(0x01010101, 4);
  out.writeUInt32BE(mediaSsrc, 8);
  entries.forEach(([pid, blp], i) => {
    out.writeUInt16BE(pid, 12 + i * 4);
    out.writeUInt16BE(blp, 14 + i * 4);
  });
  return out;
}

describe('sender report', () => {
  it('writes a well-formed 28-byte SR', () => {
    const buf = sr();
    assert.equal(buf[0], 0x80, 'V=2, no padding, RC=0');
    assert.equal(buf[1], RTCP_SR);
    assert.equal(buf.readUInt16BE(2), 6, 'length in words minus one');
    const { seconds, fraction } = ntpNow(NOW);
    assert.equal(buf.readUInt32BE(8), seconds);
    assert.equal(buf.readUInt32BE(12), fraction);
    assert.equal(buf.readUInt32BE(20), 4321, 'packet count');
    assert.equal(buf.readUInt32BE(24), 654321, 'octet count');
  });

  it('round-trips through visitRtcp, with LSR = ntpMiddle of the send time', () => {
    const { count, events } = collect(sr(0xdeadbeef, NOW, 0xfffffff0));
    assert.equal(count, 1);
    assert.deepEqual(events, [{ kind: 'sr', ssrc: 0xdeadbeef, ntpMiddle: ntpMiddle(NOW), rtpTimestamp: 0xfffffff0 }]);
  });

  it('wraps negative or oversized numbers into uint32', () => {
    const out = Buffer.alloc(28);
    writeSenderReport(out, -1, NOW, 2 ** 32 + 7, -1, 2 ** 32);
    assert.equal(out.readUInt32BE(4), 0xffffffff);
    assert.equal(out.readUInt32BE(16), 7);
    assert.equal(out.readUInt32BE(20), 0xffffffff);
    assert.equal(out.readUInt32BE(24), 0);
  });

  it('report blocks inside an SR are visited too', () => {
    // An SR carrying one block: the SR header with RC=1 and the block of an RR after it.
    const block = rr(1, report({ sourceSsrc: 0x55667788, fractionLost: 3, cumulativeLost: -7, jitter: 9 })).subarray(8);
    const buf = Buffer.concat([sr(0x42), block]);
    buf[0] = 0x81;
    buf.writeUInt16BE(buf.length / 4 - 1, 2);
    const { count, events } = collect(buf);
    assert.equal(count, 1);
    assert.equal(events[0]?.kind, 'sr');
    assert.deepEqual(events[1], { kind: 'block', sourceSsrc: 0x55667788, fractionLost: 3, cumulativeLost: -7, jitter: 9 });
  });
});

describe('receiver report', () => {
  it('writes a well-formed 32-byte RR with one block', () => {
    const buf = rr(0x01020304, report());
    assert.equal(buf[0], 0x81, 'V=2, RC=1');
    assert.equal(buf[1], RTCP_RR);
    assert.equal(buf.readUInt16BE(2), 7);
    assert.equal(buf.readUInt32BE(4), 0x01020304);
    assert.equal(buf.readUInt32BE(16), 0x0001fffe, 'extended highest sequence');
    assert.equal(buf.readUInt32BE(24), 0xabcd1234, 'LSR');
    assert.equal(buf.readUInt32BE(28), 98304, 'DLSR');
  });

  it('round-trips its block through visitRtcp', () => {
    const { count, events } = collect(rr());
    assert.equal(count, 1);
    assert.deepEqual(events, [{ kind: 'block', sourceSsrc: 0x11223344, fractionLost: 25, cumulativeLost: 1234, jitter: 321 }]);
  });

  it('carries a negative cumulative lost as signed 24 bits', () => {
    for (const lost of [-1, -2, -5000, -0x800000, 0x7fffff, 0]) {
      const buf = rr(1, report({ cumulativeLost: lost }));
      const block = collect(buf).events[0];
      assert.equal(block?.kind === 'block' && block.cumulativeLost, lost, `lost ${lost}`);
    }
    assert.deepEqual([...rr(1, report({ cumulativeLost: -1 })).subarray(13, 16)], [0xff, 0xff, 0xff]);
  });

  it('clamps a cumulative lost beyond 24 bits instead of wrapping its sign', () => {
    const low = collect(rr(1, report({ cumulativeLost: -0x900000 }))).events[0];
    assert.equal(low?.kind === 'block' && low.cumulativeLost, -0x800000);
    const high = collect(rr(1, report({ cumulativeLost: 0x1000000 }))).events[0];
    assert.equal(high?.kind === 'block' && high.cumulativeLost, 0x7fffff);
  });

  it('visits no more blocks than are actually present, whatever RC says', () => {
    const buf = rr();
    buf[0] = 0x80 | 5; // claims five blocks, has one
    const { count, events } = collect(buf);
    assert.equal(count, 1);
    assert.equal(events.length, 1);
  });

  it('an RR with RC=0 has no blocks', () => {
    const buf = rr().subarray(0, 8);
    buf[0] = 0x80;
    buf.writeUInt16BE(1, 2);
    const { count, events } = collect(Buffer.from(buf));
    assert.equal(count, 1);
    assert.deepEqual(events, []);
  });
});

describe('feedback', () => {
  it('PLI round-trips', () => {
    const buf = pli(0x0a0b0c0d, 0x99887766);
    assert.equal(buf[0], 0x81, 'FMT=1');
    assert.equal(buf[1], RTCP_PSFB);
    assert.equal(buf.readUInt16BE(2), 2);
    assert.equal(buf.readUInt32BE(4), 0x0a0b0c0d);
    const { count, events } = collect(buf);
    assert.equal(count, 1);
    assert.deepEqual(events, [{ kind: 'pli', mediaSsrc: 0x99887766 }]);
  });

  it('generic NACKs give every FCI entry', () => {
    const { count, events } = collect(
      nack(0x12345678, [
        [100, 0b101],
        [65535, 0xffff],
      ]),
    );
    assert.equal(count, 1);
    assert.deepEqual(events, [
      { kind: 'nack', mediaSsrc: 0x12345678, pid: 100, blp: 0b101 },
      { kind: 'nack', mediaSsrc: 0x12345678, pid: 65535, blp: 0xffff },
    ]);
  });

  it('other feedback formats are skipped, not mistaken for PLI or NACK', () => {
    const remb = pli();
    remb[0] = 0x80 | 15; // PSFB FMT 15 (application layer feedback)
    const tcc = nack(1, [[1, 1]]);
    tcc[0] = 0x80 | 15; // RTPFB FMT 15 (transport-wide CC)
    const { count, events } = collect(Buffer.concat([remb, tcc]));
    assert.equal(count, 2);
    assert.deepEqual(events, []);
  });
});

describe('compound packets', () => {
  it('SR + RR + PLI + NACK are all visited, in order', () => {
    const buf = Buffer.concat([sr(0xaaaa), rr(0xbbbb), pli(0xcccc, 0xdddd), nack(0xeeee, [[7, 0]])]);
    const { count, events } = collect(buf);
    assert.equal(count, 4);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['sr', 'block', 'pli', 'nack'],
    );
    assert.equal(events[0]?.kind === 'sr' && events[0].ssrc, 0xaaaa);
    assert.equal(events[2]?.kind === 'pli' && events[2].mediaSsrc, 0xdddd);
  });

  it('unknown packet types (SDES, BYE) are counted and stepped over', () => {
    const sdes = Buffer.from([0x81, 202, 0x00, 0x02, 0, 0, 0, 1, 1, 2, 0x41, 0x42]);
    const bye = Buffer.from([0x81, 203, 0x00, 0x01, 0, 0, 0, 1]);
    const { count, events } = collect(Buffer.concat([sdes, bye, pli()]));
    assert.equal(count, 3);
    assert.deepEqual(events, [{ kind: 'pli', mediaSsrc: 0x99887766 }]);
  });

  it('a visitor without callbacks still walks the whole packet', () => {
    assert.equal(visitRtcp(Buffer.concat([sr(), rr(), pli()]), {}), 3);
  });
});

describe('malformed input', () => {
  it('stops at a length field pointing past the end, keeping what came before', () => {
    const bad = pli();
    bad.writeUInt16BE(50, 2);
    const { count, events } = collect(Buffer.concat([sr(), bad, rr()]));
    assert.equal(count, 1);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['sr'],
    );
  });

  it('stops at a sub-packet that is not version 2', () => {
    const bad = rr();
    bad[0] = 0x41;
    const { count, events } = collect(Buffer.concat([pli(), bad, sr()]));
    assert.equal(count, 1);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['pli'],
    );
  });

  it('an SR too short for its sender info reports nothing', () => {
    const short = Buffer.from([0x80, RTCP_SR, 0x00, 0x01, 0, 0, 0, 1]);
    const { count, events } = collect(short);
    assert.equal(count, 1);
    assert.deepEqual(events, []);
  });

  it('a PLI or NACK too short for its fields reports nothing', () => {
    const shortPli = Buffer.from([0x81, RTCP_PSFB, 0x00, 0x01, 0, 0, 0, 1]);
    const shortNack = Buffer.from([0x81, RTCP_RTPFB, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2]);
    const { count, events } = collect(Buffer.concat([shortPli, shortNack]));
    assert.equal(count, 2);
    assert.deepEqual(events, []);
  });

  it('empty, tiny and truncated buffers give 0 or the whole packets before the cut', () => {
    assert.equal(visitRtcp(Buffer.alloc(0), {}), 0);
    assert.equal(visitRtcp(Buffer.from([0x80, 200, 0]), {}), 0);
    const full = Buffer.concat([sr(), rr()]);
    for (let len = 0; len <= full.length; len++) {
      const g = guarded(full.subarray(0, len));
      const n = visitRtcp(g.buf, { senderReport() {}, reportBlock() {}, pli() {}, nack() {} });
      assert.equal(n, len >= 60 ? 2 : len >= 28 ? 1 : 0, `length ${len}`);
      assert.deepEqual(g.outOfRange, [], `length ${len}`);
    }
  });

  it('random bytes never throw and never read outside the buffer', () => {
    const next = prng(0xc0ffee);
    const valid = Buffer.concat([
      sr(),
      rr(),
      pli(),
      nack(1, [
        [1, 2],
        [3, 4],
      ]),
    ]);
    let visited = 0;
    for (let n = 0; n < 5000; n++) {
      let buf: Buffer;
      if (n % 2 === 0) {
        buf = randomBuffer(next, 96);
        if (buf.length > 0) buf[0] = 0x80 | (buf[0]! & 0x1f); // mostly version 2, so parsing goes on
        if (buf.length > 1) buf[1] = 200 + (buf[1]! % 7);
        if (buf.length > 3 && n % 4 === 0) buf.writeUInt16BE(buf[3]! % 16, 2);
      } else {
        // A valid compound packet with a few bytes flipped and a random cut.
        buf = Buffer.from(valid.subarray(0, next() % (valid.length + 1)));
        for (let k = 0; k < 3 && buf.length > 0; k++) buf[next() % buf.length] = next() & 0xff;
      }
      const g = guarded(buf);
      let calls = 0;
      const count = visitRtcp(g.buf, {
        senderReport: () => calls++,
        reportBlock: (_s, fraction) => {
          assert.ok(fraction >= 0 && fraction <= 255);
          calls++;
        },
        pli: () => calls++,
        nack: (_m, pid, blp) => {
          assert.ok(pid >= 0 && pid <= 0xffff && blp >= 0 && blp <= 0xffff);
          calls++;
        },
      });
      assert.ok(count >= 0 && count <= Math.floor(buf.length / 4), `count ${count} for ${buf.length} bytes`);
      assert.deepEqual(g.outOfRange, [], `input ${buf.toString('hex')}`);
      visited += calls;
    }
    assert.ok(visited > 1000, `the fuzzer reached the callbacks only ${visited} times`);
  });
});

describe('NTP time', () => {
  it('ntpNow counts from 1900, with the fraction in 1/2^32 s', () => {
    assert.deepEqual(ntpNow(0), { seconds: 2_208_988_800, fraction: 0 });
    assert.deepEqual(ntpNow(1500), { seconds: 2_208_988_801, fraction: 0x80000000 });
    assert.deepEqual(ntpNow(250), { seconds: 2_208_988_800, fraction: 0x40000000 });
    const t = ntpNow(NOW);
    assert.equal(t.seconds, Math.floor(NOW / 1000) + 2_208_988_800);
    assert.ok(t.fraction >= 0 && t.fraction < 2 ** 32);
  });

  it('ntpMiddle is the middle 32 bits of ntpNow', () => {
    for (const ms of [0, 1, 999, 1500, NOW, NOW + 123_456_789]) {
      const { seconds, fraction } = ntpNow(ms);
      const middle = ntpMiddle(ms);
      assert.equal(middle >>> 16, seconds & 0xffff, `ms ${ms}`);
      assert.equal(middle & 0xffff, fraction >>> 16, `ms ${ms}`);
      assert.ok(middle >= 0 && middle < 2 ** 32);
    }
  });

  it('ntpMiddle advances 65536 per second, also across its 2^32 wrap', () => {
    // Find a time where the low 16 bits of the seconds are 0xffff: the middle wraps in the next second.
    const base = ntpNow(NOW).seconds;
    const wrapMs = NOW + (0xffff - (base & 0xffff)) * 1000;
    assert.equal(ntpNow(wrapMs).seconds & 0xffff, 0xffff);
    for (const t of [NOW, wrapMs]) {
      assert.equal((ntpMiddle(t + 1000) - ntpMiddle(t)) >>> 0, 65536);
      // Half a second is 32768 units, give or take the rounding of the fraction.
      const half = (ntpMiddle(t + 500) - ntpMiddle(t)) >>> 0;
      assert.ok(Math.abs(half - 32768) <= 1, `half second = ${half}`);
    }
    assert.ok(ntpMiddle(wrapMs + 1000) < ntpMiddle(wrapMs), 'it did wrap');
  });
});
