// The VP8 packetizer against RFC 7741 and against the SFU's own descriptor parser: what it
// writes must be what src/wire/vp8.ts reads, and the payloads must put the frame back
// together byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VP8_DESCRIPTOR_BYTES, Vp8Packetizer } from '../../../src/codecs/vp8-packetizer.js';
import { createVp8Descriptor, parseVp8, readPictureId } from '../../../src/wire/vp8.js';
import { isValidRtp, rtpMarker, rtpPayloadOffset, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../../../src/wire/rtp.js';
import { isVp8Keyframe } from '../../../src/codecs/ivf.js';

/** A frame of `size` bytes whose first byte says keyframe or not (RFC 6386 frame tag, bit 0). */
function frame(size: number, key: boolean, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  b[0] = key ? b[0]! & 0xfe : b[0]! | 0x01;
  return b;
}

/** Packetizes, copying each packet out (the packetizer reuses its buffer). */
function packets(p: Vp8Packetizer, f: Buffer, ts: number): Buffer[] {
  const out: Buffer[] = [];
  const n = p.packetize(f, ts, (pkt) => out.push(Buffer.from(pkt)));
  assert.equal(n, out.length, 'returns the packet count');
  return out;
}

describe('Vp8Packetizer', () => {
  it('writes RTP headers and RFC 7741 descriptors the SFU parses', () => {
    const p = new Vp8Packetizer({ ssrc: 0xdeadbeef, payloadType: 96, maxPayload: 1100, sequence: 100, pictureId: 7 });
    const key = frame(3000, true, 1);
    const pkts = packets(p, key, 123456);
    assert.equal(pkts.length, 3);
    const desc = createVp8Descriptor();
    pkts.forEach((pkt, i) => {
      assert.ok(isValidRtp(pkt));
      assert.equal(pkt[0], 0x80, 'V=2, no padding, no extension, no CSRC');
      assert.equal(rtpPayloadOffset(pkt), 12, 'a 12-byte header');
      assert.equal(rtpPayloadType(pkt), 96);
      assert.equal(rtpSsrc(pkt), 0xdeadbeef);
      assert.equal(rtpTimestamp(pkt), 123456);
      assert.equal(rtpSequence(pkt), 100 + i);
      assert.equal(rtpMarker(pkt), i === pkts.length - 1, 'marker on the last packet only');
      assert.ok(pkt.length - 12 <= 1100, 'payload within maxPayload');
      const b0 = pkt[12]!;
      assert.equal(b0 & 0x80, 0x80, 'X');
      assert.equal(b0 & 0x10, i === 0 ? 0x10 : 0, 'S only on the first packet');
      assert.equal(b0 & 0x0f, 0, 'PID 0');
      assert.equal(pkt[13]! & 0x80, 0x80, 'I');
      assert.equal(pkt[14]! & 0x80, 0x80, 'M: 15-bit picture ID');
      assert.ok(parseVp8(pkt, 12, desc));
      assert.equal(desc.pictureIdAt, 14);
      assert.equal(readPictureId(pkt, desc.pictureIdAt), 7);
      assert.equal(desc.frameStart, i === 0);
      assert.equal(desc.keyframeStart, i === 0, 'keyframe start on the first packet of a keyframe');
    });
    const delta = packets(p, frame(500, false, 2), 126456);
    assert.equal(delta.length, 1);
    assert.ok(parseVp8(delta[0]!, 12, desc));
    assert.ok(desc.frameStart && !desc.keyframeStart, 'a delta frame is not a keyframe start');
    assert.equal(readPictureId(delta[0]!, 14), 8, 'picture ID increments per frame');
    assert.equal(rtpSequence(delta[0]!), 103, 'sequence numbers continue across frames');
    assert.ok(rtpMarker(delta[0]!));
  });

  it('wraps sequence numbers at 16 bits and picture IDs at 15', () => {
    const p = new Vp8Packetizer({ ssrc: 1, sequence: 0xfffe, pictureId: 0x7fff, maxPayload: 104 });
    const a = packets(p, frame(300, true, 3), 0);
    assert.deepEqual(a.map(rtpSequence), [0xfffe, 0xffff, 0]);
    assert.equal(readPictureId(a[0]!, 14), 0x7fff);
    const b = packets(p, frame(10, false, 4), 3000);
    assert.equal(rtpSequence(b[0]!), 1);
    assert.equal(readPictureId(b[0]!, 14), 0);
  });

  it('reassembles into the original frame, for every size around the packet boundaries', () => {
    const maxPayload = 100;
    const room = maxPayload - VP8_DESCRIPTOR_BYTES;
    const p = new Vp8Packetizer({ ssrc: 5, maxPayload });
    for (const size of [1, 2, room - 1, room, room + 1, 2 * room, 2 * room + 1, 10 * room - 3, 5000]) {
      const f = frame(size, size % 2 === 0, size);
      const pkts = packets(p, f, size);
      assert.equal(pkts.length, Math.ceil(size / room), `fewest packets for ${size} bytes`);
      const sizes = pkts.map((pkt) => pkt.length - 12);
      assert.ok(
        sizes.every((s) => s <= maxPayload),
        `payloads within maxPayload for ${size} bytes`,
      );
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced payloads for ${size} bytes`);
      const back = Buffer.concat(pkts.map((pkt) => pkt.subarray(12 + VP8_DESCRIPTOR_BYTES)));
      assert.ok(back.equals(f), `${size} bytes come back unchanged`);
      assert.equal(isVp8Keyframe(back), size % 2 === 0);
    }
  });

  it('rejects an empty frame and a maxPayload without room for data', () => {
    const p = new Vp8Packetizer({ ssrc: 5 });
    assert.throws(() => p.packetize(Buffer.alloc(0), 0, () => undefined), RangeError);
    assert.throws(() => new Vp8Packetizer({ ssrc: 5, maxPayload: VP8_DESCRIPTOR_BYTES }), RangeError);
  });
});
