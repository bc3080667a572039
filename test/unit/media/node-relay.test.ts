// The node relay's envelope: a sealed frame opens under the same key within the clock skew,
// and anything else (a changed byte anywhere, another key, an old or future stamp, a short or
// garbage datagram) opens to null without throwing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SKEW_SECONDS, openFrame, relayKey, sealFrame } from '../../../src/media/cluster/node-relay.js';
import { RELAY_AUDIO, decodeRelay, encodeRelay } from '../../../src/media/cluster/protocol.js';

const HEADER = 6;
const TAG = 16;
const NOW = 1_760_000_000_000;
const key = relayKey('cluster secret');
const frame = encodeRelay(RELAY_AUDIO, 1, 'space-1', 'alice', Buffer.from([0x80, 0x6f, 1, 2, 3, 4, 5, 6, 7, 8]));

describe('node relay envelope', () => {
  it('round trip: the opened frame is the sealed one, byte for byte', () => {
    const sealed = sealFrame(key, frame, NOW);
    assert.equal(sealed.length, HEADER + frame.length + TAG);
    assert.equal(sealed[0], 0x53);
    assert.equal(sealed[1], 1);
    assert.equal(sealed.readUInt32BE(2), Math.floor(NOW / 1000));
    const opened = openFrame(key, sealed, NOW);
    assert.ok(opened);
    assert.deepEqual(Buffer.from(opened), frame);
    const decoded = decodeRelay(opened);
    assert.equal(decoded?.room, 'space-1');
    assert.equal(decoded?.pid, 'alice');
  });

  it('round trip of a one-byte frame, and across a second boundary within the skew', () => {
    const one = Buffer.from([7]);
    assert.deepEqual(openFrame(key, sealFrame(key, one, NOW), NOW), one);
    assert.deepEqual(openFrame(key, sealFrame(key, frame, NOW), NOW + 999), frame);
  });

  it('a changed byte anywhere (header, frame or tag) is rejected', () => {
    const sealed = sealFrame(key, frame, NOW);
    for (let i = 0; i < sealed.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const bad = Buffer.from(sealed);
        bad[i] = bad[i]! ^ flip;
        assert.equal(openFrame(key, bad, NOW), null, `byte ${i} ^ ${flip}`);
      }
    }
    // The untouched copy still opens (the loop above changed copies only).
    assert.ok(openFrame(key, sealed, NOW));
  });

  it('a stamp changed within the skew is rejected too (the stamp is under the tag)', () => {
    const sealed = sealFrame(key, frame, NOW);
    const bad = Buffer.from(sealed);
    bad.writeUInt32BE(Math.floor(NOW / 1000) + 1, 2);
    assert.equal(openFrame(key, bad, NOW), null);
  });

  it('another key is rejected', () => {
    const sealed = sealFrame(key, frame, NOW);
    assert.equal(openFrame(relayKey('another secret'), sealed, NOW), null);
    assert.equal(openFrame(Buffer.alloc(32), sealed, NOW), null);
  });

  it('stamps more than MAX_SKEW_SECONDS old or ahead are rejected; at the bound they open', () => {
    const sealed = sealFrame(key, frame, NOW);
    const skew = MAX_SKEW_SECONDS * 1000;
    assert.ok(openFrame(key, sealed, NOW + skew), 'exactly MAX_SKEW_SECONDS old');
    assert.ok(openFrame(key, sealed, NOW - skew), 'exactly MAX_SKEW_SECONDS ahead');
    assert.equal(openFrame(key, sealed, NOW + skew + 1000), null, 'stale');
    assert.equal(openFrame(key, sealed, NOW + 3_600_000), null, 'an hour old (a replay)');
    assert.equal(openFrame(key, sealed, NOW - skew - 1000), null, 'from the future');
    assert.equal(openFrame(key, sealFrame(key, frame, NOW + 3_600_000), NOW), null, 'sealed an hour ahead');
  });

  it('short, truncated, empty and garbage buffers give null without throwing', () => {
    const sealed = sealFrame(key, frame, NOW);
    for (let len = 0; len < sealed.length; len++) {
      assert.equal(openFrame(key, sealed.subarray(0, len), NOW), null, `first ${len} bytes`);
    }
    assert.equal(openFrame(key, sealed.subarray(1), NOW), null, 'first byte dropped');
    assert.equal(openFrame(key, Buffer.concat([sealed, Buffer.from([0])]), NOW), null, 'a byte appended');
    assert.equal(openFrame(key, Buffer.alloc(0), NOW), null);
    assert.equal(openFrame(key, Buffer.alloc(HEADER + TAG), NOW), null);
    // Garbage with the right magic, version and a current stamp: only the tag can refuse it.
    for (let n = 0; n < 200; n++) {
      const junk = Buffer.alloc(HEADER + TAG + 1 + (n % 50));
      for (let i = 0; i < junk.length; i++) junk[i] = (n * 31 + i * 17) & 0xff;
      if (n % 2 === 0) {
        junk[0] = 0x53;
        junk[1] = 1;
        junk.writeUInt32BE(Math.floor(NOW / 1000), 2);
      }
      assert.equal(openFrame(key, junk, NOW), null, `garbage ${n}`);
    }
  });

  it('relayKey is deterministic, 32 bytes, differs per secret, and is not the secret', () => {
    assert.deepEqual(relayKey('s3cret'), relayKey('s3cret'));
    assert.equal(relayKey('s3cret').length, 32);
    assert.notDeepEqual(relayKey('s3cret'), relayKey('s3cret2'));
    assert.notDeepEqual(relayKey(''), relayKey('s3cret'));
    assert.ok(!relayKey('s3cret').includes(Buffer.from('s3cret')));
  });
});
