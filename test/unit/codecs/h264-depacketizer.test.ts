// RFC 6184 reassembly: single NAL units, STAP-A, FU-A; one access unit per picture with its
// parameter sets first; loss handling waits for an IDR.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { H264Depacketizer, type H264AccessUnit } from '../../../src/codecs/h264-depacketizer.js';

const SC = [0, 0, 0, 1];
const nal = (type: number, body: number[]) => Buffer.from([0x60 | type, ...body]);
const annexB = (...nals: Buffer[]) => Buffer.concat(nals.flatMap((n) => [Buffer.from(SC), n]));
const stapA = (...nals: Buffer[]) => Buffer.concat([Buffer.from([0x78]), ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
/** FU-A fragments of `n` with `parts` payload slices. */
function fuA(n: Buffer, parts: number): Buffer[] {
  const body = n.subarray(1);
  const size = Math.ceil(body.length / parts);
  const out: Buffer[] = [];
  for (let i = 0; i < parts; i++) {
    const header = (i === 0 ? 0x80 : 0) | (i === parts - 1 ? 0x40 : 0) | (n[0]! & 0x1f);
    out.push(Buffer.concat([Buffer.from([(n[0]! & 0xe0) | 28, header]), body.subarray(i * size, (i + 1) * size)]));
  }
  return out;
}

/** A depacketizer and the access units it has handed on; `push` returns how many came out of that packet. */
function harness() {
  const units: H264AccessUnit[] = [];
  const d = new H264Depacketizer((u) => units.push(u));
  const push = (payload: Buffer, seq: number, ts: number, marker: boolean) => {
    const before = units.length;
    d.push(payload, seq, ts, marker);
    return units.slice(before);
  };
  return { d, units, push };
}

describe('H264Depacketizer', () => {
  it('an IDR access unit from STAP-A (SPS, PPS) and FU-A fragments comes back as Annex B', () => {
    const { push } = harness();
    const sps = nal(7, [1, 2, 3]);
    const pps = nal(8, [4]);
    const idr = nal(
      5,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(push(stapA(sps, pps), 10, 900, false), []);
    const frags = fuA(idr, 3);
    assert.deepEqual(push(frags[0]!, 11, 900, false), []);
    assert.deepEqual(push(frags[1]!, 12, 900, false), []);
    const [unit] = push(frags[2]!, 13, 900, true);
    assert.ok(unit?.keyframe);
    assert.equal(unit.rtpTimestamp, 900);
    assert.deepEqual(unit.data, annexB(sps, pps, idr));
  });

  it('the slices of one picture, however packetized, make one access unit, parameter sets and SEI moved before the first slice', () => {
    const { push } = harness();
    const [aud, sei, sps, pps] = [nal(9, [0xf0]), nal(6, [5, 5]), nal(7, [1, 2, 3]), nal(8, [4])];
    const slices = [0, 1, 2, 3].map((i) =>
      nal(
        5,
        Array.from({ length: 40 }, (_, k) => i * 40 + k),
      ),
    );
    // What rtph264pay config-interval=-1 sends for x264's sliced IDR: SPS/PPS before every slice.
    assert.deepEqual(push(stapA(aud, sps, pps, sei, sps, pps), 1, 3000, false), []);
    assert.deepEqual(push(slices[0]!, 2, 3000, false), []);
    assert.deepEqual(push(stapA(sps, pps, slices[1]!), 3, 3000, false), []);
    const frags = fuA(slices[2]!, 2);
    assert.deepEqual(push(frags[0]!, 4, 3000, false), []);
    assert.deepEqual(push(frags[1]!, 5, 3000, false), []);
    assert.deepEqual(push(stapA(sps, pps), 6, 3000, false), []);
    const [unit] = push(slices[3]!, 7, 3000, true);
    assert.ok(unit?.keyframe);
    assert.deepEqual(unit.data, annexB(aud, sps, pps, sei, sps, pps, sps, pps, sps, pps, ...slices));
  });

  it('a timestamp change without a marker ends the access unit; with a loss it drops it', () => {
    const { push } = harness();
    assert.deepEqual(push(nal(5, [1]), 1, 100, false), []);
    assert.deepEqual(push(nal(5, [2]), 2, 100, false), []);
    const [idr] = push(nal(1, [3]), 3, 200, false);
    assert.deepEqual(idr?.data, annexB(nal(5, [1]), nal(5, [2])));
    const both = push(nal(1, [4]), 4, 300, true);
    assert.deepEqual(
      both.map((u) => u.data),
      [annexB(nal(1, [3])), annexB(nal(1, [4]))],
      'the unmarked one and the marked one that followed',
    );
    assert.deepEqual(push(nal(1, [5]), 5, 400, false), []);
    assert.deepEqual(push(nal(1, [6]), 7, 500, true), [], 'seq 6 was lost: 400 may be incomplete, 500 needs an IDR');
  });

  it('emits nothing before the first IDR, then delta frames', () => {
    const { push } = harness();
    assert.deepEqual(push(nal(1, [9]), 1, 100, true), [], 'a P frame first is useless');
    assert.ok(push(nal(5, [8]), 2, 200, true)[0]?.keyframe);
    const [p] = push(nal(1, [7]), 3, 300, true);
    assert.equal(p?.keyframe, false);
    assert.deepEqual(p.data, Buffer.from([...SC, 0x61, 7]));
  });

  it('after a lost packet it waits for the next IDR', () => {
    const { push } = harness();
    push(nal(5, [1]), 1, 100, true);
    assert.deepEqual(push(nal(1, [2]), 3, 200, true), [], 'seq 2 was lost');
    assert.deepEqual(push(nal(1, [3]), 4, 300, true), [], 'still no IDR');
    assert.ok(push(nal(5, [4]), 5, 400, true)[0]?.keyframe);
  });

  it('a fragment without its start, a truncated STAP-A and unknown types are refused without throwing', () => {
    const { push } = harness();
    push(nal(5, [1]), 1, 100, true);
    const frags = fuA(nal(1, [1, 2, 3, 4]), 2);
    assert.deepEqual(push(frags[1]!, 2, 200, true), []);
    assert.deepEqual(push(Buffer.from([0x78, 0, 9, 1]), 3, 300, true), []);
    assert.deepEqual(push(Buffer.from([0x7d, 1, 2]), 4, 400, true), [], 'FU-B is not mode 1');
    assert.deepEqual(push(Buffer.alloc(0), 5, 500, true), []);
    assert.deepEqual(push(nal(1, [5]), 6, 600, true), [], 'a delta after the damage waits for an IDR');
    assert.ok(push(nal(5, [6]), 7, 700, true)[0]?.keyframe, 'and the IDR recovers');
  });
});
