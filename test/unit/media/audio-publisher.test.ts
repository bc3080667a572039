// An AudioPublisher's fan-out: slots come and go in O(1) without losing or doubling anyone,
// and a publisher that talks without slots asks the room for a place before it forwards, so
// the first packet of a talkspurt already reaches the slots it is given.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AudioPublisher } from '../../../src/media/forwarding/audio-publisher.js';
import { DownstreamSlot } from '../../../src/media/forwarding/downstream-slot.js';
import type { RtpOutlet } from '../../../src/media/forwarding/track-sender.js';
import { createCounters } from '../../../src/media/counters.js';
import { createDetector } from '../../../src/media/speaker/detector.js';
import { prng } from '../wire/buffers.js';

function outlet(): RtpOutlet & { sent: Buffer[] } {
  const o = { sent: [] as Buffer[], isOpen: () => true, sendMessageBinary: (b: Buffer) => (o.sent.push(Buffer.from(b)), true) };
  return o;
}

/** Opus RTP without an audio-level extension: the voice gate cannot tell silence, so it stays open. */
function opus(seq: number): Buffer {
  const b = Buffer.alloc(60);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 960, 4);
  b.writeUInt32BE(777, 8);
  return b;
}

describe('AudioPublisher fan-out', () => {
  it('keeps its slot array and each slot’s index consistent through random attach and detach', () => {
    const counters = createCounters();
    const pub = new AudioPublisher({ id: 'p', counters, detector: createDetector('ours') });
    const other = new AudioPublisher({ id: 'q', counters, detector: createDetector('ours') });
    const slots = Array.from({ length: 40 }, (_, i) => new DownstreamSlot({ mid: `a${i}`, ssrc: i + 1, track: outlet(), counters }));
    const next = prng(7);
    for (let step = 0; step < 5000; step++) {
      const slot = slots[next() % slots.length]!;
      const op = next() % 3;
      if (op === 0) pub.attach(slot);
      else if (op === 1) pub.detach(slot);
      else other.detach(slot); // not its source: must change nothing
      const expected = slots.filter((s) => s.source === pub);
      assert.equal(pub.slots.length, expected.length);
      assert.deepEqual(new Set(pub.slots), new Set(expected));
      pub.slots.forEach((s, i) => assert.equal(s.sourceIndex, i));
    }
    pub.detachAll();
    assert.equal(pub.slots.length, 0);
    assert.ok(slots.every((s) => s.source === null && s.sourceIndex === -1));
  });

  it('asks for a place once it talks without one, and forwards that very packet to the slots it gets', () => {
    const counters = createCounters();
    const out = outlet();
    const slot = new DownstreamSlot({ mid: 'a0', ssrc: 99, track: out, counters });
    const requests: number[] = [];
    const pub = new AudioPublisher({
      id: 'p',
      counters,
      detector: createDetector('ours'),
      live: true,
      requestLane: (p, now) => {
        requests.push(now);
        p.becomeAudible();
        p.attach(slot);
      },
    });
    pub.onMessage(opus(1), 1000);
    assert.deepEqual(requests, [1000]);
    assert.equal(pub.lastVoiceAtMs, 1000);
    assert.equal(out.sent.length, 1);
    pub.onMessage(opus(2), 1020);
    assert.deepEqual(requests, [1000], 'an audible publisher does not ask again');
    assert.equal(out.sent.length, 2);
  });

  it('keeps asking while it is refused, and forwards nothing meanwhile', () => {
    const counters = createCounters();
    let asked = 0;
    const pub = new AudioPublisher({ id: 'p', counters, detector: createDetector('ours'), live: true, requestLane: () => asked++ });
    for (let i = 0; i < 5; i++) pub.onMessage(opus(i), i * 20);
    assert.equal(asked, 5);
    assert.equal(counters.packetsOut, 0);
  });

  it('does not ask while muted: a muted speaker never takes a place', () => {
    const counters = createCounters();
    let asked = 0;
    const pub = new AudioPublisher({ id: 'p', counters, detector: createDetector('ours'), live: false, requestLane: () => asked++ });
    pub.onMessage(opus(1), 0);
    assert.equal(asked, 0);
    assert.equal(pub.lastVoiceAtMs, Number.NEGATIVE_INFINITY);
  });
});
