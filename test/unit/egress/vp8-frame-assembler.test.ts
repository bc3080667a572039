// Reassembling the stage video (src/egress/vp8-frame-assembler.ts): frames packetized by
// the bots' RFC 7741 packetizer come back byte for byte; a loss drops frames until the
// next keyframe; malformed, padded, late and oversized input is handled.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Vp8Packetizer } from '../../../src/codecs/vp8-packetizer.js';
import { Vp8FrameAssembler, type Vp8Frame } from '../../../src/egress/vp8-frame-assembler.js';
import { rtpSequence } from '../../../src/wire/rtp.js';

/** A synthetic VP8 frame: bit 0 of the first byte is the inverse keyframe flag (RFC 6386). */
function frame(size: number, key: boolean, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + seed * 17 + (i >> 8)) & 0xff;
  b[0] = key ? 0x10 : 0x11;
  return b;
}

/** Packetizes a frame, copying each packet out of the packetizer's reused buffer. */
function packetize(p: Vp8Packetizer, f: Buffer, ts: number): Buffer[] {
  const out: Buffer[] = [];
  p.packetize(f, ts, (pkt) => out.push(Buffer.from(pkt)));
  return out;
}

/** Feeds packets and collects what comes out. */
function feed(a: Vp8FrameAssembler, pkts: Buffer[]): Vp8Frame[] {
  const out: Vp8Frame[] = [];
  for (const pkt of pkts) {
    const f = a.push(pkt);
    if (f) out.push(f);
  }
  return out;
}

/** The same packet with `pad` bytes of RTP padding. */
function withPadding(pkt: Buffer, pad: number): Buffer {
  const b = Buffer.concat([pkt, Buffer.alloc(pad, 0xee)]);
  b[0] = b[0]! | 0x20;
  b[b.length - 1] = pad;
  return b;
}

/** The same packet with one CSRC and a one-byte-header extension (abs-send-time style). */
function withExtension(pkt: Buffer): Buffer {
  const head = Buffer.from(pkt.subarray(0, 12));
  head[0] = (head[0]! & 0xf0) | 0x10 | 0x01; // X, CC=1
  const csrc = Buffer.from([0, 0, 0, 7]);
  const ext = Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x32, 0xaa, 0xbb, 0xcc]);
  return Buffer.concat([head, csrc, ext, pkt.subarray(12)]);
}

function stripMarker(pkt: Buffer): Buffer {
  const b = Buffer.from(pkt);
  b[1] = b[1]! & 0x7f;
  return b;
}

function packetizer(sequence = 1000, maxPayload = 104): Vp8Packetizer {
  return new Vp8Packetizer({ ssrc: 0xabcdef, payloadType: 96, maxPayload, sequence, pictureId: 5 });
}

describe('Vp8FrameAssembler', () => {
  it('puts frames back together byte for byte, with keyframe flags and timestamps', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const frames = [frame(1000, true, 1), frame(350, false, 2), frame(1, false, 3), frame(100, false, 4), frame(2000, true, 5), frame(99, false, 6)];
    const out: Vp8Frame[] = [];
    frames.forEach((f, i) => {
      const pkts = packetize(p, f, 90_000 + i * 3000);
      if (f.length > 100) assert.ok(pkts.length > 1, 'several packets per frame');
      const got = feed(a, pkts);
      assert.equal(got.length, 1, `frame ${i} completes on its marker`);
      out.push(...got);
    });
    assert.equal(out.length, frames.length);
    out.forEach((o, i) => {
      assert.ok(o.data.equals(frames[i]!), `frame ${i} bytes`);
      assert.equal(o.keyframe, (frames[i]![0]! & 1) === 0, `frame ${i} keyframe flag`);
      assert.equal(o.rtpTimestamp, 90_000 + i * 3000);
    });
    assert.equal(a.framesOut, frames.length);
    assert.equal(a.framesDropped, 0);
  });

  it('emits only on the last packet of a frame', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const pkts = packetize(p, frame(500, true, 1), 0);
    assert.equal(pkts.length, 5);
    for (let i = 0; i < 4; i++) assert.equal(a.push(pkts[i]!), null, `packet ${i}`);
    assert.ok(a.push(pkts[4]!)?.data.equals(frame(500, true, 1)));
  });

  it('returns frames it does not share with later input', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const k = frame(300, true, 1);
    const pkts = packetize(p, k, 0);
    const first = feed(a, pkts)[0]!;
    for (const pkt of pkts) pkt.fill(0); // the caller's buffers are rewritten
    feed(a, packetize(p, frame(300, false, 2), 3000));
    assert.ok(first.data.equals(k));
  });

  it('emits nothing before the first keyframe', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    assert.deepEqual(feed(a, packetize(p, frame(300, false, 1), 0)), []);
    assert.deepEqual(feed(a, packetize(p, frame(50, false, 2), 3000)), []);
    assert.equal(a.framesOut, 0);
    const key = frame(300, true, 3);
    const got = feed(a, packetize(p, key, 6000));
    assert.equal(got.length, 1);
    assert.ok(got[0]!.keyframe);
    assert.ok(got[0]!.data.equals(key));
    const delta = frame(40, false, 4);
    assert.ok(feed(a, packetize(p, delta, 9000))[0]!.data.equals(delta), 'deltas after it flow');
  });

  it('does not start on the middle of a keyframe whose first packet was missed', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const pkts = packetize(p, frame(400, true, 1), 0);
    assert.deepEqual(feed(a, pkts.slice(1)), []);
    assert.equal(a.framesOut, 0);
  });

  it('drops a frame that lost a middle packet, and every frame until the next keyframe', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    assert.equal(feed(a, packetize(p, frame(300, true, 1), 0)).length, 1);
    const broken = packetize(p, frame(400, false, 2), 3000);
    assert.ok(broken.length >= 3);
    assert.deepEqual(feed(a, [broken[0]!, ...broken.slice(2)]), [], 'the broken frame');
    assert.equal(a.framesDropped, 1);
    assert.deepEqual(feed(a, packetize(p, frame(200, false, 3), 6000)), [], 'a delta after the loss');
    assert.deepEqual(feed(a, packetize(p, frame(50, false, 4), 9000)), [], 'and the next');
    const key = frame(250, true, 5);
    const got = feed(a, packetize(p, key, 12000));
    assert.equal(got.length, 1, 'the next keyframe');
    assert.ok(got[0]!.data.equals(key) && got[0]!.keyframe);
    assert.equal(feed(a, packetize(p, frame(50, false, 6), 15000)).length, 1, 'deltas flow again');
    assert.equal(a.framesOut, 3);
  });

  it('drops a keyframe that lost a packet too', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const pkts = packetize(p, frame(500, true, 1), 0);
    assert.deepEqual(feed(a, [pkts[0]!, pkts[1]!, pkts[3]!, pkts[4]!]), []);
    assert.equal(a.framesDropped, 1);
    assert.deepEqual(feed(a, packetize(p, frame(50, false, 2), 3000)), []);
  });

  it('drops a frame without its marker when the next frame starts', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const key = packetize(p, frame(300, true, 1), 0);
    key[key.length - 1] = stripMarker(key[key.length - 1]!);
    assert.deepEqual(feed(a, key), [], 'no marker: not complete');
    assert.equal(a.framesDropped, 0, 'not dropped yet');
    assert.deepEqual(feed(a, packetize(p, frame(100, false, 2), 3000)), [], 'a delta after an unfinished frame');
    assert.equal(a.framesDropped, 1, 'the unfinished frame is dropped');
    assert.equal(a.framesOut, 0);
    const key2 = frame(120, true, 3);
    assert.ok(feed(a, packetize(p, key2, 6000))[0]!.data.equals(key2));
  });

  it('a keyframe right after an unfinished frame is emitted', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    assert.equal(feed(a, packetize(p, frame(100, true, 1), 0)).length, 1);
    const delta = packetize(p, frame(300, false, 2), 3000);
    assert.deepEqual(feed(a, delta.slice(0, -1)), [], 'its last packet is lost');
    const key = frame(300, true, 3);
    const got = feed(a, packetize(p, key, 6000));
    assert.equal(got.length, 1);
    assert.ok(got[0]!.data.equals(key));
    assert.equal(a.framesDropped, 1);
  });

  it('drops a frame when a packet of another timestamp shows up in the middle', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const pkts = packetize(p, frame(300, true, 1), 1000);
    const odd = Buffer.from(pkts[1]!);
    odd.writeUInt32BE(2000, 4);
    assert.deepEqual(feed(a, [pkts[0]!, odd, pkts[2]!]), []);
    assert.equal(a.framesDropped, 1);
  });

  it('handles RTP padding on any packet', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const key = frame(700, true, 1);
    const delta = frame(90, false, 2);
    const pk = packetize(p, key, 0).map((pkt, i) => withPadding(pkt, [1, 4, 255, 17][i % 4]!));
    const pd = packetize(p, delta, 3000).map((pkt) => withPadding(pkt, 3));
    const got = feed(a, [...pk, ...pd]);
    assert.equal(got.length, 2);
    assert.ok(got[0]!.data.equals(key), 'padding is not part of the frame');
    assert.ok(got[0]!.keyframe);
    assert.ok(got[1]!.data.equals(delta));
  });

  it('reads past CSRCs and a header extension', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const key = frame(400, true, 1);
    const got = feed(a, packetize(p, key, 0).map(withExtension));
    assert.equal(got.length, 1);
    assert.ok(got[0]!.data.equals(key));
  });

  it('ignores malformed packets and empty payloads without losing the frame in progress', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const key = frame(300, true, 1);
    const pkts = packetize(p, key, 0);
    const descriptorOnly = pkts[1]!.subarray(0, 12 + 4); // no VP8 data after the descriptor
    const badPad = Buffer.from(pkts[1]!);
    badPad[0] = badPad[0]! | 0x20;
    badPad[badPad.length - 1] = 0;
    const paddingOnly = withPadding(pkts[1]!.subarray(0, 12), 8);
    const junk = [Buffer.alloc(0), Buffer.alloc(11), pkts[1]!.subarray(0, 12), pkts[1]!.subarray(0, 13), descriptorOnly, badPad, paddingOnly];
    for (const j of junk) assert.equal(a.push(j), null);
    assert.equal(a.framesDropped, 0, 'malformed input before a frame drops nothing');
    const got = feed(a, [pkts[0]!, ...junk, ...pkts.slice(1)]);
    assert.equal(got.length, 1, 'junk in the middle is skipped');
    assert.ok(got[0]!.data.equals(key));
  });

  it('survives the 16-bit sequence number wrap inside a frame', () => {
    const p = packetizer(65533);
    const a = new Vp8FrameAssembler();
    const key = frame(600, true, 1);
    const pkts = packetize(p, key, 0);
    assert.deepEqual(pkts.map(rtpSequence), [65533, 65534, 65535, 0, 1, 2]);
    const got = feed(a, pkts);
    assert.equal(got.length, 1);
    assert.ok(got[0]!.data.equals(key));
  });

  it('drops a frame whose packets arrive out of order (it cannot reorder)', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    const pkts = packetize(p, frame(300, true, 1), 0);
    assert.deepEqual(feed(a, [pkts[0]!, pkts[2]!, pkts[1]!]), []);
    assert.equal(a.framesOut, 0);
    assert.equal(a.framesDropped, 1);
  });

  it('drops a frame larger than 2 MiB, and waits for a keyframe after it', () => {
    const p = new Vp8Packetizer({ ssrc: 1, maxPayload: 60_004, sequence: 0, pictureId: 0 });
    const a = new Vp8FrameAssembler();
    const limit = 2 * 1024 * 1024;
    const atLimit = frame(limit, true, 1);
    const fits = feed(a, packetize(p, atLimit, 0));
    assert.equal(fits.length, 1, 'exactly 2 MiB is kept');
    assert.ok(fits[0]!.data.equals(atLimit));
    assert.deepEqual(feed(a, packetize(p, frame(limit + 1, true, 2), 3000)), [], 'one byte more is dropped');
    assert.equal(a.framesDropped, 1);
    assert.deepEqual(feed(a, packetize(p, frame(100, false, 3), 6000)), [], 'the delta after it too');
    const key = frame(100, true, 4);
    assert.ok(feed(a, packetize(p, key, 9000))[0]!.data.equals(key), 'the next keyframe recovers');
    assert.equal(a.framesOut, 2);
  });

  it('counts frames out and dropped', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    feed(a, packetize(p, frame(200, true, 1), 0));
    feed(a, packetize(p, frame(200, false, 2), 3000));
    const broken = packetize(p, frame(300, false, 3), 6000);
    feed(a, [broken[0]!, broken[2]!]);
    assert.equal(a.framesOut, 2);
    assert.equal(a.framesDropped, 1);
  });

  // Regression: a lost first packet, or a whole lost frame, used to go unnoticed.
  it('waits for a keyframe after losing the first packet of a frame', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    assert.equal(feed(a, packetize(p, frame(200, true, 1), 0)).length, 1);
    const lost = packetize(p, frame(300, false, 2), 3000);
    assert.deepEqual(feed(a, lost.slice(1)), [], 'the frame without its first packet');
    assert.deepEqual(feed(a, packetize(p, frame(200, false, 3), 6000)), [], 'a delta referencing the lost frame must not come out');
  });

  it('waits for a keyframe after a whole frame is lost', () => {
    const p = packetizer();
    const a = new Vp8FrameAssembler();
    assert.equal(feed(a, packetize(p, frame(200, true, 1), 0)).length, 1);
    packetize(p, frame(80, false, 2), 3000); // lost entirely (one packet)
    assert.deepEqual(feed(a, packetize(p, frame(80, false, 3), 6000)), [], 'a delta after a sequence gap must not come out');
  });
});
