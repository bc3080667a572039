// payloadBounds (src/wire/rtp.ts): where an RTP packet's payload lies, after the
// CSRCs and header extension, before the padding; null for anything malformed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rtpPayloadBounds as payloadBounds } from '../../../src/wire/rtp.js';
import { prng, randomBuffer } from '../wire/buffers.js';

const header = (b0 = 0x80) => Buffer.from([b0, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);

describe('payloadBounds', () => {
  it('a plain packet: from byte 12 to the end', () => {
    assert.deepEqual(payloadBounds(Buffer.concat([header(), Buffer.from('opus')])), [12, 16]);
  });

  it('a header with no payload is an empty range, not null', () => {
    assert.deepEqual(payloadBounds(header()), [12, 12]);
  });

  it('skips CSRCs', () => {
    const b = Buffer.concat([header(0x82), Buffer.alloc(8), Buffer.from('xy')]);
    assert.deepEqual(payloadBounds(b), [20, 22]);
  });

  it('skips a header extension', () => {
    const ext = Buffer.from([0xbe, 0xde, 0x00, 0x02, 0x10, 0xff, 0, 0, 0x22, 1, 2, 3]);
    const b = Buffer.concat([header(0x90), ext, Buffer.from('abc')]);
    assert.deepEqual(payloadBounds(b), [24, 27]);
  });

  it('skips CSRCs and an extension together', () => {
    const b = Buffer.concat([header(0x91), Buffer.alloc(4), Buffer.from([0x10, 0x00, 0x00, 0x01, 1, 2, 3, 4]), Buffer.from('z')]);
    assert.deepEqual(payloadBounds(b), [24, 25]);
  });

  it('leaves out the padding', () => {
    const b = Buffer.concat([header(0xa0), Buffer.from('payload'), Buffer.from([0, 0, 3])]);
    assert.deepEqual(payloadBounds(b), [12, 19]);
    const one = Buffer.concat([header(0xa0), Buffer.from('p'), Buffer.from([1])]);
    assert.deepEqual(payloadBounds(one), [12, 13]);
  });

  it('padding that fills the whole payload leaves an empty range', () => {
    const b = Buffer.concat([header(0xa0), Buffer.from([0, 0, 0, 4])]);
    assert.deepEqual(payloadBounds(b), [12, 12]);
  });

  it('is null for a short packet, a truncated CSRC list or extension', () => {
    assert.equal(payloadBounds(Buffer.alloc(0)), null);
    assert.equal(payloadBounds(header().subarray(0, 11)), null);
    assert.equal(payloadBounds(Buffer.concat([header(0x83), Buffer.alloc(8)])), null, '3 CSRCs claimed, 2 present');
    assert.equal(payloadBounds(Buffer.concat([header(0x90), Buffer.from([0xbe, 0xde])])), null, 'extension header cut');
    assert.equal(payloadBounds(Buffer.concat([header(0x90), Buffer.from([0xbe, 0xde, 0, 2, 0, 0, 0, 0])])), null, 'extension body cut');
  });

  it('is null for a padding count of 0 or more than the payload', () => {
    assert.equal(payloadBounds(Buffer.concat([header(0xa0), Buffer.from('abc'), Buffer.from([0])])), null);
    assert.equal(payloadBounds(Buffer.concat([header(0xa0), Buffer.from('abc'), Buffer.from([5])])), null);
    assert.equal(payloadBounds(Buffer.concat([header(0xb0), Buffer.from([0xbe, 0xde, 0, 0]), Buffer.from([2])])), null, 'padding reaching into the extension');
  });

  it('on random input: null or a range inside the buffer, never a throw', () => {
    const next = prng(7741);
    for (let i = 0; i < 5000; i++) {
      const b = randomBuffer(next, 64);
      if (b.length > 0 && i % 2 === 0) b[0] = (b[0]! & 0x3f) | 0x80;
      const r = payloadBounds(b);
      if (r) {
        assert.ok(r[0] >= 12 && r[0] <= r[1] && r[1] <= b.length, `${b.toString('hex')}: ${r}`);
      }
    }
  });
});
