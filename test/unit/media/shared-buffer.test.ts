// One incoming packet buffer is rewritten in place for each subscriber in turn. Each one must
// start from the values as they arrived: a subscriber that skips a packet (its track not open
// yet, or waiting for a keyframe) must not shift what the next subscriber sends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DownstreamSlot } from '../../../src/media/forwarding/downstream-slot.js';
import { VideoSlot, type RtpOutlet } from '../../../src/media/forwarding/video-slot.js';
import { VideoPublisher } from '../../../src/media/forwarding/video-publisher.js';
import { createCounters } from '../../../src/media/counters.js';
import { Vp8Packetizer } from '../../../src/codecs/vp8-packetizer.js';
import { createVp8Descriptor, parseVp8 } from '../../../src/wire/vp8.js';
import { rtpPayloadOffset, rtpSequence, rtpTimestamp } from '../../../src/wire/rtp.js';

/** An outlet that records what was sent, and can be closed for a while; like node-datachannel, sending on it while closed throws. */
function outlet(): RtpOutlet & { open: boolean; sent: Buffer[] } {
  const o = {
    open: true,
    sent: [] as Buffer[],
    isOpen: () => o.open,
    sendMessageBinary: (b: Buffer) => {
      if (!o.open) throw new Error('Track is closed');
      o.sent.push(Buffer.from(b));
      return true;
    },
  };
  return o;
}

function rtp(seq: number, ts: number): Buffer {
  const b = Buffer.alloc(40);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts, 4);
  b.writeUInt32BE(1234, 8);
  return b;
}

describe('subscribers of one shared buffer', () => {
  it('audio: a slot whose track is not open yet does not shift the slots after it', () => {
    const counters = createCounters();
    const a = outlet();
    const b = outlet();
    const slotA = new DownstreamSlot({ mid: 'a0', ssrc: 1, track: a, counters });
    const slotB = new DownstreamSlot({ mid: 'a1', ssrc: 2, track: b, counters });
    const source = { id: 'pub' };
    slotA.bind(source, 0);
    slotB.bind(source, 1);
    for (let i = 0; i < 10; i++) {
      a.open = i < 3 || i > 5;
      const buf = rtp(1000 + i, 48_000 + i * 960);
      const seq = rtpSequence(buf);
      const ts = rtpTimestamp(buf);
      slotA.forward(buf, seq, ts, i * 20);
      slotB.forward(buf, seq, ts, i * 20);
    }
    const seqs = b.sent.map(rtpSequence);
    assert.equal(seqs.length, 10);
    for (let i = 1; i < seqs.length; i++) assert.equal((seqs[i]! - seqs[i - 1]!) & 0xffff, 1, `continuous at ${i}: ${seqs.join(',')}`);
    const stamps = b.sent.map(rtpTimestamp);
    for (let i = 1; i < stamps.length; i++) assert.equal(stamps[i]! - stamps[i - 1]!, 960);
  });

  it('video: a viewer waiting for a keyframe does not shift sequence numbers or picture IDs of the viewer after it', () => {
    const counters = createCounters();
    const pub = new VideoPublisher('cam', counters, () => undefined, 99);
    pub.configure(5555);
    pub.live = true;
    const first = outlet();
    const second = outlet();
    const slotA = new VideoSlot({ mid: 'v0', ssrc: 10, track: first, counters, events: { switched: () => undefined } });
    const slotB = new VideoSlot({ mid: 'v0', ssrc: 20, track: second, counters, events: { switched: () => undefined } });
    slotA.switchTo(pub, 0);
    slotB.switchTo(pub, 0);
    const packetizer = new Vp8Packetizer({ ssrc: 5555, maxPayload: 200 });
    const keyframe = Buffer.alloc(500, 0x10); // bit 0 clear: a keyframe
    const delta = Buffer.alloc(300, 0x11);
    const feed = (frame: Buffer, i: number) => packetizer.packetize(frame, 3000 * i, (pkt) => pub.onMessage(pkt, i * 33));
    feed(keyframe, 0);
    for (let i = 1; i <= 6; i++) {
      // The first viewer's track closes for a while: it must wait for a new keyframe, skipping packets.
      first.open = i < 2 || i > 4;
      feed(i === 5 ? keyframe : delta, i);
    }
    const seqs = second.sent.map(rtpSequence);
    for (let i = 1; i < seqs.length; i++) assert.equal((seqs[i]! - seqs[i - 1]!) & 0xffff, 1, `continuous: ${seqs.join(',')}`);
    const desc = createVp8Descriptor();
    const pids = new Set<number>();
    for (const p of second.sent) {
      assert.ok(parseVp8(p, rtpPayloadOffset(p), desc));
      pids.add(desc.pictureId);
    }
    const sorted = [...pids].sort((x, y) => x - y);
    assert.equal(sorted.length, 7, 'one picture ID per frame');
    for (let i = 1; i < sorted.length; i++) assert.equal(sorted[i]! - sorted[i - 1]!, 1, `picture IDs continuous: ${sorted.join(',')}`);
  });
});
