// A bot's receiver reports: one RR per audio stream heard since the last round, on that
// stream's own track, with RFC 3550's loss figures; quiet streams are not reported on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Track } from 'node-datachannel';
import { ReceiverReports } from '../../../src/bots/receiver-reports.js';

function rtp(ssrc: number, seq: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 960, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

function fakeTrack(open = true) {
  const sent: Buffer[] = [];
  const track = { isOpen: () => open, sendMessageBinary: (b: Buffer) => (sent.push(Buffer.from(b)), true) } as unknown as Track;
  return { track, sent };
}

describe('ReceiverReports', () => {
  it('reports each stream heard on its own track: sender SSRC, source SSRC, fraction lost, highest sequence', () => {
    const rr = new ReceiverReports(0xabc);
    const a = fakeTrack();
    const b = fakeTrack();
    for (let seq = 100; seq < 200; seq++) if (seq % 10 !== 0) rr.onRtp('a0', a.track, rtp(1111, seq), seq * 20);
    for (let seq = 5; seq < 55; seq++) rr.onRtp('a1', b.track, rtp(2222, seq), seq * 20);
    rr.flush(5000);
    assert.equal(a.sent.length, 1);
    assert.equal(b.sent.length, 1);
    const ra = a.sent[0]!;
    assert.equal(ra[1], 201, 'an RR');
    assert.equal(ra.readUInt32BE(4), 0xabc);
    assert.equal(ra.readUInt32BE(8), 1111);
    // 10 of the 100 expected were lost (the first is 100, not lost): fraction 9/99 of 256.
    assert.equal(ra[12], Math.floor((9 * 256) / 99));
    assert.equal(ra.readUInt32BE(16), 199);
    assert.equal(b.sent[0]!.readUInt32BE(8), 2222);
    assert.equal(b.sent[0]![12], 0);
    assert.equal(rr.sent, 2);
  });

  it('a stream that went quiet is not reported on; a new SSRC on the same slot starts fresh', () => {
    const rr = new ReceiverReports(1);
    const a = fakeTrack();
    rr.onRtp('a0', a.track, rtp(1, 1), 0);
    rr.flush(1000);
    rr.flush(2000);
    assert.equal(a.sent.length, 1, 'nothing new, no report');
    rr.onRtp('a0', a.track, rtp(9, 500), 3000);
    rr.flush(4000);
    assert.equal(a.sent.length, 2);
    assert.equal(a.sent[1]!.readUInt32BE(8), 9);
  });

  it('sends nothing on a closed track, and forgets everything on reset', () => {
    const rr = new ReceiverReports(1);
    const closed = fakeTrack(false);
    rr.onRtp('a0', closed.track, rtp(1, 1), 0);
    rr.flush(1000);
    assert.equal(closed.sent.length, 0);
    const open = fakeTrack();
    rr.onRtp('a1', open.track, rtp(2, 1), 0);
    rr.reset();
    rr.flush(1000);
    assert.equal(open.sent.length, 0);
  });
});
