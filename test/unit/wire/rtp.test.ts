// RTP header readers/writers and RFC 8285 header-extension parsing, on hand-built packets
// and on truncated, malformed and random input straight off the "network".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RTP_HEADER_MIN,
  findHeaderExtension,
  isRtcp,
  isValidRtp,
  readAudioLevel,
  rtpMarker,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSequence,
  rtpSsrc,
  rtpTimestamp,
  writeRtpPayloadType,
  writeRtpSequence,
  writeRtpSsrc,
  writeRtpTimestamp,
} from '../../../src/wire/rtp.js';
import { guarded, prng, randomBuffer } from './buffers.js';

interface RtpSpec {
  version?: number;
  pt?: number;
  marker?: boolean;
  seq?: number;
  ts?: number;
  ssrc?: number;
  csrcs?: number[];
  /** Extension block: profile and raw element bytes (zero-padded to a multiple of 4). */
  ext?: { profile: number; data: number[]; lengthWords?: number };
  payload?: number[];
  /** RTP padding (P bit): this many bytes at the end, the last one holding the count. */
  padding?: number;
}

function rtp(spec: RtpSpec = {}): Buffer {
  const csrcs = spec.csrcs ?? [];
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head[0] = ((spec.version ?? 2) << 6) | (spec.padding ? 0x20 : 0) | (spec.ext ? 0x10 : 0) | csrcs.length;
  head[1] = (spec.marker ? 0x80 : 0) | ((spec.pt ?? 111) & 0x7f);
  head.writeUInt16BE(spec.seq ?? 0, 2);
  head.writeUInt32BE(spec.ts ?? 0, 4);
  head.writeUInt32BE(spec.ssrc ?? 0, 8);
  parts.push(head);
  for (const c of csrcs) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(c >>> 0);
    parts.push(b);
  }
  if (spec.ext) {
    const words = Math.ceil(spec.ext.data.length / 4);
    const e = Buffer.alloc(4 + words * 4);
    e.writeUInt16BE(spec.ext.profile, 0);
    e.writeUInt16BE(spec.ext.lengthWords ?? words, 2);
    Buffer.from(spec.ext.data).copy(e, 4);
    parts.push(e);
  }
  parts.push(Buffer.from(spec.payload ?? [0xde, 0xad, 0xbe, 0xef]));
  if (spec.padding) {
    const p = Buffer.alloc(spec.padding);
    p[spec.padding - 1] = spec.padding;
    parts.push(p);
  }
  return Buffer.concat(parts);
}

/** An RTCP-looking header: version 2 and packet type `pt`. */
function rtcpHeader(pt: number, length = 8): Buffer {
  const b = Buffer.alloc(length);
  b[0] = 0x80;
  b[1] = pt;
  return b;
}

describe('isRtcp', () => {
  it('recognises RTCP packet types 192..223 and nothing else', () => {
    for (const pt of [192, 200, 201, 202, 203, 205, 206, 223]) assert.equal(isRtcp(rtcpHeader(pt)), true, `pt ${pt}`);
    for (const pt of [0, 96, 111, 127, 191, 224, 255]) assert.equal(isRtcp(rtcpHeader(pt)), false, `pt ${pt}`);
  });

  it('does not take RTP with the marker bit set for RTCP', () => {
    // Opus PT 111 with the marker bit: second byte 0xEF = 239, outside 192..223.
    const pkt = rtp({ pt: 111, marker: true });
    assert.equal(pkt[1], 0xef);
    assert.equal(isRtcp(pkt), false);
    assert.equal(isRtcp(rtp({ pt: 96, marker: true })), false);
  });

  it('needs at least 4 bytes', () => {
    assert.equal(isRtcp(Buffer.alloc(0)), false);
    assert.equal(isRtcp(Buffer.from([0x80, 200])), false);
    assert.equal(isRtcp(Buffer.from([0x80, 200, 0])), false);
    assert.equal(isRtcp(Buffer.from([0x80, 200, 0, 1])), true);
  });
});

describe('isValidRtp', () => {
  it('accepts a version-2 fixed header', () => {
    assert.equal(isValidRtp(rtp()), true);
    assert.equal(isValidRtp(rtp({ payload: [] })), true, 'exactly 12 bytes');
  });

  it('rejects other versions', () => {
    for (const version of [0, 1, 3]) assert.equal(isValidRtp(rtp({ version })), false, `version ${version}`);
  });

  it('rejects anything shorter than the fixed header', () => {
    const pkt = rtp({ payload: [] });
    for (let len = 0; len < RTP_HEADER_MIN; len++) assert.equal(isValidRtp(pkt.subarray(0, len)), false, `length ${len}`);
  });

  it('requires room for every CSRC the header announces', () => {
    const pkt = rtp({ csrcs: [1, 2], payload: [] });
    assert.equal(pkt.length, 20);
    assert.equal(isValidRtp(pkt), true);
    assert.equal(isValidRtp(pkt.subarray(0, 19)), false);
    // CC = 15 announces 60 bytes of CSRCs that are not there.
    const lying = rtp({ payload: [1, 2, 3, 4] });
    lying[0] = 0x8f;
    assert.equal(isValidRtp(lying), false);
  });
});

describe('header field readers', () => {
  it('read every field, unsigned', () => {
    const pkt = rtp({ pt: 111, marker: true, seq: 0xfffe, ts: 0xfffffff0, ssrc: 0x80000001 });
    assert.equal(rtpPayloadType(pkt), 111);
    assert.equal(rtpMarker(pkt), true);
    assert.equal(rtpSequence(pkt), 0xfffe);
    assert.equal(rtpTimestamp(pkt), 0xfffffff0);
    assert.equal(rtpSsrc(pkt), 0x80000001);
    const plain = rtp({ pt: 0, seq: 1, ts: 2, ssrc: 3 });
    assert.equal(rtpMarker(plain), false);
    assert.equal(rtpPayloadType(plain), 0);
    assert.equal(rtpSequence(plain), 1);
    assert.equal(rtpTimestamp(plain), 2);
    assert.equal(rtpSsrc(plain), 3);
  });
});

describe('header field writers (in place)', () => {
  it('rewrite sequence, timestamp and SSRC in the same buffer, touching nothing else', () => {
    const pkt = rtp({ pt: 111, marker: true, seq: 1, ts: 2, ssrc: 3, csrcs: [0xaabbccdd], payload: [9, 8, 7] });
    const before = Buffer.from(pkt);
    writeRtpSequence(pkt, 0xbeef);
    writeRtpTimestamp(pkt, 0xcafebabe);
    writeRtpSsrc(pkt, 0xfeedface);
    assert.equal(rtpSequence(pkt), 0xbeef);
    assert.equal(rtpTimestamp(pkt), 0xcafebabe);
    assert.equal(rtpSsrc(pkt), 0xfeedface);
    // Bytes 0-1 (flags, PT) and everything from 12 on are untouched.
    assert.deepEqual(pkt.subarray(0, 2), before.subarray(0, 2));
    assert.deepEqual(pkt.subarray(12), before.subarray(12));
    assert.equal(pkt.length, before.length);
  });

  it('wrap out-of-range values the way the wire does', () => {
    const pkt = rtp();
    writeRtpSequence(pkt, 0x10000 + 7);
    assert.equal(rtpSequence(pkt), 7);
    writeRtpSequence(pkt, -1);
    assert.equal(rtpSequence(pkt), 0xffff);
    writeRtpTimestamp(pkt, 2 ** 32 + 5);
    assert.equal(rtpTimestamp(pkt), 5);
    writeRtpTimestamp(pkt, -1);
    assert.equal(rtpTimestamp(pkt), 0xffffffff);
    writeRtpSsrc(pkt, -2);
    assert.equal(rtpSsrc(pkt), 0xfffffffe);
  });

  it('writeRtpPayloadType keeps the marker bit', () => {
    const marked = rtp({ pt: 96, marker: true });
    writeRtpPayloadType(marked, 111);
    assert.equal(rtpPayloadType(marked), 111);
    assert.equal(rtpMarker(marked), true);
    writeRtpPayloadType(marked, 0xff); // only 7 bits fit
    assert.equal(rtpPayloadType(marked), 0x7f);
    assert.equal(rtpMarker(marked), true);
    const unmarked = rtp({ pt: 96 });
    writeRtpPayloadType(unmarked, 100);
    assert.equal(rtpMarker(unmarked), false);
    assert.equal(rtpPayloadType(unmarked), 100);
  });

  it('writes through a view into the underlying memory', () => {
    const backing = Buffer.concat([Buffer.from([0x55, 0x55]), rtp({ seq: 1 })]);
    const view = backing.subarray(2);
    writeRtpSequence(view, 0x1234);
    assert.equal(backing.readUInt16BE(4), 0x1234);
    assert.equal(backing[0], 0x55);
  });
});

describe('rtpPayloadOffset', () => {
  it('is 12 for a bare header', () => {
    const pkt = rtp({ payload: [1, 2, 3] });
    assert.equal(rtpPayloadOffset(pkt), 12);
    assert.equal(pkt[rtpPayloadOffset(pkt)], 1);
  });

  it('skips CSRCs', () => {
    const pkt = rtp({ csrcs: [1, 2, 3], payload: [0x42] });
    assert.equal(rtpPayloadOffset(pkt), 24);
    assert.equal(pkt[24], 0x42);
  });

  it('skips the header extension by its length field', () => {
    const pkt = rtp({ ext: { profile: 0xbede, data: [0x10, 0xaa, 0, 0, 0x22, 1, 2, 3] }, payload: [0x42] });
    assert.equal(rtpPayloadOffset(pkt), 12 + 4 + 8);
    assert.equal(pkt[rtpPayloadOffset(pkt)], 0x42);
  });

  it('skips CSRCs and then the extension', () => {
    const pkt = rtp({ csrcs: [7, 8], ext: { profile: 0x1000, data: [1, 1, 0xaa, 0] }, payload: [0x42, 0x43] });
    assert.equal(rtpPayloadOffset(pkt), 12 + 8 + 4 + 4);
    assert.deepEqual([...pkt.subarray(rtpPayloadOffset(pkt))], [0x42, 0x43]);
  });

  it('is the start of the payload, not moved by RTP padding', () => {
    const pkt = rtp({ payload: [0x42, 0x43], padding: 4 });
    assert.equal(pkt[0]! & 0x20, 0x20);
    assert.equal(rtpPayloadOffset(pkt), 12);
    assert.equal(pkt[pkt.length - 1], 4);
  });

  it('allows an empty payload that ends exactly at the buffer end', () => {
    const pkt = rtp({ ext: { profile: 0xbede, data: [0x10, 0xaa] }, payload: [] });
    assert.equal(rtpPayloadOffset(pkt), pkt.length);
  });

  it('returns -1 when the extension header or its data runs past the end', () => {
    const full = rtp({ ext: { profile: 0xbede, data: [0x10, 0xaa, 0, 0] }, payload: [] });
    assert.equal(rtpPayloadOffset(full.subarray(0, 14)), -1, 'extension header cut');
    assert.equal(rtpPayloadOffset(full.subarray(0, 19)), -1, 'extension data cut');
    const lying = rtp({ ext: { profile: 0xbede, data: [0x10, 0xaa, 0, 0], lengthWords: 0xffff } });
    assert.equal(rtpPayloadOffset(lying), -1);
    const csrcLie = rtp({ payload: [] });
    csrcLie[0] = 0x83; // 3 CSRCs that are not there
    assert.equal(rtpPayloadOffset(csrcLie), -1);
  });

  it('returns -1 for an empty or too-short buffer without reading outside it', () => {
    for (let len = 0; len < RTP_HEADER_MIN; len++) {
      const g = guarded(rtp({ payload: [] }).subarray(0, len));
      assert.equal(rtpPayloadOffset(g.buf), -1, `length ${len}`);
      assert.deepEqual(g.outOfRange, [], `length ${len}`);
    }
  });
});

/** One-byte element: id (1..14) and 1..16 data bytes. */
const one = (id: number, data: number[]) => [(id << 4) | (data.length - 1), ...data];
/** Two-byte element: id (1..255) and 0..255 data bytes. */
const two = (id: number, data: number[]) => [id, data.length, ...data];

describe('findHeaderExtension, one-byte form (0xBEDE)', () => {
  const pkt = rtp({
    ext: { profile: 0xbede, data: [...one(1, [0x9e]), 0, 0, ...one(3, [0xa1, 0xa2, 0xa3]), ...one(14, [0x77])] },
    payload: [0x42],
  });

  it('finds each element and points at its data', () => {
    const at1 = findHeaderExtension(pkt, 1);
    assert.equal(at1, 17);
    assert.equal(pkt[at1], 0x9e);
    const at3 = findHeaderExtension(pkt, 3);
    assert.deepEqual([...pkt.subarray(at3, at3 + 3)], [0xa1, 0xa2, 0xa3]);
    const at14 = findHeaderExtension(pkt, 14);
    assert.equal(pkt[at14], 0x77);
  });

  it('skips zero padding bytes between and before elements', () => {
    const padded = rtp({ ext: { profile: 0xbede, data: [0, 0, 0, ...one(5, [0x33])] } });
    assert.equal(padded[findHeaderExtension(padded, 5)], 0x33);
  });

  it('returns -1 for an id that is not there', () => {
    assert.equal(findHeaderExtension(pkt, 2), -1);
    assert.equal(findHeaderExtension(pkt, 4), -1);
  });

  it('returns -1 without the X bit', () => {
    assert.equal(findHeaderExtension(rtp({ payload: [0x10, 0x9e, 0, 0, 0] }), 1), -1);
  });

  it('finds the extension after CSRCs', () => {
    const withCsrc = rtp({ csrcs: [0x11111111, 0x22222222], ext: { profile: 0xbede, data: one(2, [0x55]) } });
    const at = findHeaderExtension(withCsrc, 2);
    assert.equal(at, 12 + 8 + 4 + 1);
    assert.equal(withCsrc[at], 0x55);
  });

  it('stops at the reserved id 15', () => {
    const stopped = rtp({ ext: { profile: 0xbede, data: [...one(1, [0x11]), 0xf0, 0, ...one(2, [0x22])] } });
    assert.equal(withByte(stopped, 1), 0x11, 'elements before id 15 are still found');
    assert.equal(findHeaderExtension(stopped, 2), -1, 'nothing after id 15 is read');
    assert.equal(findHeaderExtension(stopped, 15), -1);
  });

  it('returns -1 when an element runs past the extension block', () => {
    // Element 1 claims 16 bytes; the block has 4 words = 16 bytes in all.
    const overrun = rtp({ ext: { profile: 0xbede, data: [0x1f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] } });
    assert.equal(findHeaderExtension(overrun, 1), -1);
  });

  it('returns -1 when the extension length points past the end of the packet', () => {
    const lying = rtp({ ext: { profile: 0xbede, data: one(1, [0x9e]), lengthWords: 50 }, payload: [] });
    assert.equal(findHeaderExtension(lying, 1), -1);
    assert.equal(readAudioLevel(lying, 1), -1);
  });
});

function withByte(buf: Buffer, id: number): number | undefined {
  const at = findHeaderExtension(buf, id);
  return at < 0 ? undefined : buf[at];
}

describe('findHeaderExtension, two-byte form (0x100X)', () => {
  it('finds elements, with any appbits in the profile', () => {
    for (const profile of [0x1000, 0x1005, 0x100f]) {
      const pkt = rtp({ ext: { profile, data: [...two(1, [0x9e]), 0, ...two(200, [0xa1, 0xa2]), ...two(3, [0x33])] } });
      assert.equal(withByte(pkt, 1), 0x9e, `profile ${profile.toString(16)}`);
      const at = findHeaderExtension(pkt, 200);
      assert.deepEqual([...pkt.subarray(at, at + 2)], [0xa1, 0xa2]);
      assert.equal(withByte(pkt, 3), 0x33);
      assert.equal(findHeaderExtension(pkt, 2), -1);
    }
  });

  it('skips padding and zero-length elements, which have no data to point at', () => {
    const pkt = rtp({ ext: { profile: 0x1000, data: [0, 0, ...two(4, []), ...two(5, [0x55])] } });
    assert.equal(findHeaderExtension(pkt, 4), -1);
    assert.equal(withByte(pkt, 5), 0x55);
  });

  it('returns -1 when an element runs past the block', () => {
    const pkt = rtp({ ext: { profile: 0x1000, data: [1, 200, 0xaa, 0xbb] } });
    assert.equal(findHeaderExtension(pkt, 1), -1);
  });

  it('ignores other profiles', () => {
    const pkt = rtp({ ext: { profile: 0x1234, data: one(1, [0x9e]) } });
    assert.equal(findHeaderExtension(pkt, 1), -1);
    const pkt2 = rtp({ ext: { profile: 0x2000, data: two(1, [0x9e]) } });
    assert.equal(findHeaderExtension(pkt2, 1), -1);
  });
});

describe('readAudioLevel', () => {
  it('returns the raw byte, V bit included, in both forms', () => {
    const oneByte = rtp({ ext: { profile: 0xbede, data: one(1, [0x80 | 30]) } });
    assert.equal(readAudioLevel(oneByte, 1), 0x80 | 30);
    const twoByte = rtp({ ext: { profile: 0x1000, data: two(7, [127]) } });
    assert.equal(readAudioLevel(twoByte, 7), 127);
  });

  it('returns -1 without the extension, or for a non-negotiated id (0 or negative)', () => {
    const pkt = rtp({ ext: { profile: 0xbede, data: one(1, [30]) } });
    assert.equal(readAudioLevel(pkt, 2), -1);
    assert.equal(readAudioLevel(pkt, 0), -1);
    assert.equal(readAudioLevel(pkt, -1), -1);
    assert.equal(readAudioLevel(rtp(), 1), -1);
  });
});

describe('truncated, malformed and random input', () => {
  it('the guard catches a read past the end (sanity check of the harness)', () => {
    const g = guarded(Buffer.from([1, 2]));
    assert.equal(g.buf[5], undefined);
    assert.throws(() => g.buf.readUInt16BE(1));
    assert.ok(g.outOfRange.length >= 2);
    assert.equal(g.buf.length, 2);
  });

  it('every prefix of a rich packet parses without throwing or reading outside it', () => {
    const full = rtp({
      csrcs: [1, 2],
      ext: { profile: 0xbede, data: [...one(1, [0x9e]), 0, ...one(3, [1, 2, 3]), ...one(5, [0x44])] },
      payload: [1, 2, 3],
    });
    const fullPayload = rtpPayloadOffset(full);
    for (let len = 0; len <= full.length; len++) {
      const g = guarded(full.subarray(0, len));
      isRtcp(g.buf);
      const valid = isValidRtp(g.buf);
      const payload = rtpPayloadOffset(g.buf);
      const level = readAudioLevel(g.buf, 1);
      const at5 = findHeaderExtension(g.buf, 5);
      assert.deepEqual(g.outOfRange, [], `prefix ${len}`);
      assert.equal(valid, len >= 20, `prefix ${len}`);
      // Until the whole extension block is present nothing in it may be trusted.
      const complete = len >= fullPayload;
      assert.equal(payload, complete ? fullPayload : -1, `prefix ${len}`);
      assert.equal(level, complete ? 0x9e : -1, `prefix ${len}`);
      assert.equal(at5 >= 0, complete, `prefix ${len}`);
    }
  });

  it('a zero-length buffer is nothing, and nothing is read', () => {
    const g = guarded(Buffer.alloc(0));
    assert.equal(isRtcp(g.buf), false);
    assert.equal(isValidRtp(g.buf), false);
    assert.equal(rtpPayloadOffset(g.buf), -1);
    assert.equal(findHeaderExtension(g.buf, 1), -1);
    assert.equal(readAudioLevel(g.buf, 1), -1);
    assert.deepEqual(g.outOfRange, []);
  });

  it('random buffers never throw, never read out of range, and give in-range answers', () => {
    const next = prng(0x5eed);
    let found = 0;
    for (let n = 0; n < 5000; n++) {
      const raw = randomBuffer(next, 64);
      // Bias most inputs towards plausible headers so that the extension parser is reached
      // (version 2, X bit, few CSRCs, a known profile, a short extension length).
      if (raw.length > 0 && n % 4 !== 0) raw[0] = 0x90 | (raw[0]! & 0x23);
      const start = 12 + (raw[0]! & 0x0f) * 4;
      if (raw.length >= start + 4 && n % 8 !== 0) {
        raw.writeUInt16BE(n % 2 === 0 ? 0xbede : 0x1000 | (n & 0xf), start);
        if (n % 3 !== 0) raw.writeUInt16BE(next() % 12, start + 2);
      }
      const g = guarded(raw);
      isRtcp(g.buf);
      const valid = isValidRtp(g.buf);
      if (valid) {
        rtpSequence(g.buf);
        rtpTimestamp(g.buf);
        rtpSsrc(g.buf);
        rtpPayloadType(g.buf);
      }
      const payload = rtpPayloadOffset(g.buf);
      assert.ok(payload === -1 || (payload >= RTP_HEADER_MIN && payload <= raw.length), `payload offset ${payload}`);
      for (let id = 1; id <= 255; id += id < 16 ? 1 : 17) {
        const at = findHeaderExtension(g.buf, id);
        assert.ok(at === -1 || (at > RTP_HEADER_MIN && at < raw.length), `extension ${id} at ${at} of ${raw.length}`);
        if (at >= 0) found++;
        const level = readAudioLevel(g.buf, id);
        assert.ok(Number.isInteger(level) && level >= -1 && level <= 255);
        assert.equal(level, at < 0 ? -1 : raw[at]);
      }
      assert.deepEqual(g.outOfRange, [], `input ${raw.toString('hex')}`);
    }
    // The generator must actually reach the element parser, or this test proves little.
    assert.ok(found > 200, `only ${found} extensions found`);
  });
});
