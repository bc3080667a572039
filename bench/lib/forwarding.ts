// The in-process forwarding rig shared by benches: one publisher's real AudioPublisher →
// DownstreamSlot path with its subscribers' tracks replaced by sinks that count what they are
// given, so that only our own code is measured (node-datachannel's binding copies each sent
// packet into C++ memory either way), and the Opus RTP packets to feed it.
import type { Track } from 'node-datachannel';
import { AudioPublisher } from '../../src/media/forwarding/audio-publisher.js';
import { DownstreamSlot } from '../../src/media/forwarding/downstream-slot.js';
import { createCounters, type MediaCounters } from '../../src/media/counters.js';
import { createDetector } from '../../src/media/speaker/detector.js';

/** The publisher's SSRC in every packet made here. */
export const PUBLISHER_SSRC = 0x1234;
/** The audio-level header extension id in every packet made here. */
export const AUDIO_LEVEL_EXT = 1;

/** A track that takes every packet and counts its bytes. */
export function countingSink(): { track: Track; bytes: () => number } {
  let bytes = 0;
  const track = { isOpen: () => true, sendMessageBinary: (b: Buffer) => ((bytes += b.length), true) } as unknown as Track;
  return { track, bytes: () => bytes };
}

/** A 20 ms Opus packet (120 bytes of payload) of a talking speaker, with the audio-level extension. */
export function opusPacket(seq: number): Buffer {
  const p = Buffer.alloc(12 + 8 + 120);
  p[0] = 0x90;
  p[1] = 111;
  p[12] = 0xbe;
  p[13] = 0xde;
  p.writeUInt16BE(1, 14);
  p[16] = (AUDIO_LEVEL_EXT << 4) | 0;
  p[17] = 0x80 | 30; // talking
  return restampOpusPacket(p, seq);
}

/** Forwarding rewrites packets in place: gives a packet its pristine SSRC, sequence number and timestamp back. */
export function restampOpusPacket(p: Buffer, seq: number): Buffer {
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE((seq * 960) >>> 0, 4);
  p.writeUInt32BE(PUBLISHER_SSRC, 8);
  return p;
}

/** A live publisher, configured for the packets above, fanned out to `subscribers` slots on `track`. */
export function audioFanOut(
  subscribers: number,
  track: Track,
  counters: MediaCounters = createCounters(),
): { publisher: AudioPublisher; counters: MediaCounters } {
  const publisher = new AudioPublisher({ id: 'a', counters, detector: createDetector('ours'), live: true });
  publisher.configure(PUBLISHER_SSRC, AUDIO_LEVEL_EXT);
  for (let i = 0; i < subscribers; i++) publisher.attach(new DownstreamSlot({ mid: `a${i}`, ssrc: 1000 + i, track, counters }));
  return { publisher, counters };
}
