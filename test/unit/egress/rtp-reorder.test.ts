// The stage video's reorder buffer: late (retransmitted) packets are put back in place;
// a gap that does not fill within the wait is given up; stale packets are dropped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RtpReorderBuffer } from '../../../src/egress/rtp-reorder.js';
import { rtpSequence } from '../../../src/wire/rtp.js';

const pkt = (seq: number) => {
  const b = Buffer.alloc(20);
  b[0] = 0x80;
  b.writeUInt16BE(seq & 0xffff, 2);
  return b;
};
const seqs = (ps: Buffer[]) => ps.map(rtpSequence);

describe('RtpReorderBuffer', () => {
  it('passes packets in order straight through', () => {
    const r = new RtpReorderBuffer();
    assert.deepEqual(seqs(r.push(pkt(10), 0)), [10]);
    assert.deepEqual(seqs(r.push(pkt(11), 1)), [11]);
  });

  it('holds packets behind a gap until the missing one arrives, then releases them in order', () => {
    const r = new RtpReorderBuffer();
    r.push(pkt(1), 0);
    assert.deepEqual(seqs(r.push(pkt(3), 10)), []);
    assert.deepEqual(seqs(r.push(pkt(4), 20)), []);
    assert.deepEqual(seqs(r.push(pkt(2), 60)), [2, 3, 4]);
    assert.equal(r.reordered, 1);
  });

  it('gives a gap up after the wait (on a new packet or a poll) and continues from what it has', () => {
    const r = new RtpReorderBuffer();
    r.push(pkt(1), 0);
    r.push(pkt(3), 10);
    assert.deepEqual(seqs(r.poll(100)), []);
    assert.deepEqual(seqs(r.poll(250)), [3]);
    assert.equal(r.gaveUp, 1);
    assert.deepEqual(seqs(r.push(pkt(2), 260)), [], 'too late once given up');
    assert.deepEqual(seqs(r.push(pkt(4), 270)), [4]);
  });

  it('wraps around 65535, and drops duplicates', () => {
    const r = new RtpReorderBuffer();
    r.push(pkt(65534), 0);
    assert.deepEqual(seqs(r.push(pkt(0), 5)), []);
    assert.deepEqual(seqs(r.push(pkt(0), 6)), []);
    assert.deepEqual(seqs(r.push(pkt(65535), 7)), [65535, 0]);
    assert.deepEqual(seqs(r.push(pkt(65535), 8)), []);
  });

  it('held packets are copies: the caller may reuse its buffer', () => {
    const r = new RtpReorderBuffer();
    r.push(pkt(1), 0);
    const b = pkt(3);
    r.push(b, 1);
    b.writeUInt16BE(99, 2);
    assert.deepEqual(seqs(r.push(pkt(2), 2)), [2, 3]);
  });
});
