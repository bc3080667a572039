// RFC 6184 reassembly: single NAL units, STAP-A, FU-A; loss handling waits for an IDR.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { H264Depacketizer } from '../../../src/codecs/h264-depacketizer.js';

const SC = [0, 0, 0, 1];
const nal = (type: number, body: number[]) => Buffer.from([0x60 | type, ...body]);
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

describe('H264Depacketizer', () => {
  it('an IDR access unit from STAP-A (SPS, PPS) and FU-A fragments comes back as Annex B', () => {
    const d = new H264Depacketizer();
    const sps = nal(7, [1, 2, 3]);
    const pps = nal(8, [4]);
    const idr = nal(
      5,
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(d.push(stapA(sps, pps), 10, 900, false), null);
    const frags = fuA(idr, 3);
    assert.equal(d.push(frags[0]!, 11, 900, false), null);
    assert.equal(d.push(frags[1]!, 12, 900, false), null);
    const unit = d.push(frags[2]!, 13, 900, true)!;
    assert.ok(unit.keyframe);
    assert.equal(unit.rtpTimestamp, 900);
    assert.deepEqual(unit.data, Buffer.concat([Buffer.from(SC), sps, Buffer.from(SC), pps, Buffer.from(SC), idr]));
  });

  it('emits nothing before the first IDR, then delta frames', () => {
    const d = new H264Depacketizer();
    assert.equal(d.push(nal(1, [9]), 1, 100, true), null, 'a P frame first is useless');
    assert.ok(d.push(nal(5, [8]), 2, 200, true)?.keyframe);
    const p = d.push(nal(1, [7]), 3, 300, true)!;
    assert.equal(p.keyframe, false);
    assert.deepEqual(p.data, Buffer.from([...SC, 0x61, 7]));
  });

  it('after a lost packet it waits for the next IDR', () => {
    const d = new H264Depacketizer();
    d.push(nal(5, [1]), 1, 100, true);
    assert.equal(d.push(nal(1, [2]), 3, 200, true), null, 'seq 2 was lost');
    assert.equal(d.push(nal(1, [3]), 4, 300, true), null, 'still no IDR');
    assert.ok(d.push(nal(5, [4]), 5, 400, true)?.keyframe);
  });

  it('a fragment without its start, a truncated STAP-A and unknown types are refused without throwing', () => {
    const d = new H264Depacketizer();
    d.push(nal(5, [1]), 1, 100, true);
    const frags = fuA(nal(1, [1, 2, 3, 4]), 2);
    assert.equal(d.push(frags[1]!, 2, 200, true), null);
    assert.equal(d.push(Buffer.from([0x78, 0, 9, 1]), 3, 300, true), null);
    assert.equal(d.push(Buffer.from([0x7d, 1, 2]), 4, 400, true), null, 'FU-B is not mode 1');
    assert.equal(d.push(Buffer.alloc(0), 5, 500, true), null);
    assert.equal(d.push(nal(1, [5]), 6, 600, true), null, 'a delta after the damage waits for an IDR');
    assert.ok(d.push(nal(5, [6]), 7, 700, true)?.keyframe, 'and the IDR recovers');
  });
});
