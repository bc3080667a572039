// Mixes the talking speakers into one mono 48 kHz stream for the HLS tier and recordings.
// Each speaker's Opus packets wait in a small jitter queue, are decoded with libopus (wasm,
// via opusscript) and summed, 20 ms at a time, on the egress's own clock. Speakers come and
// go as the voice gate opens and closes, so a speaker's queue refills (40 ms) at each talkspurt.
import OpusScript from 'opusscript';
import { rtpPayloadBounds, rtpSequence } from '../wire/rtp.js';

export const SAMPLE_RATE = 48_000;
/** Samples per mix tick (20 ms). */
export const FRAME_SAMPLES = 960;
/** A talkspurt starts playing once this many packets are queued (or the first one is this old, in frames). */
const START_DEPTH = 2;
/** More than this many queued packets means we fell behind the speaker's clock: drop the oldest. */
const MAX_DEPTH = 12;
/** A speaker silent this long gives back their decoder. */
const IDLE_RELEASE_MS = 10_000;

interface QueuedPacket {
  seq: number;
  payload: Buffer;
}

class SpeakerStream {
  readonly decoder = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.VOIP);
  /** Ordered by sequence number (extended, so wrap-around sorts correctly). */
  readonly queue: QueuedPacket[] = [];
  playing = false;
  /** Once anything played, nextSeq marks what is already in the past (across talkspurts too). */
  hasPlayed = false;
  nextSeq = 0;
  lastSeq = -1;
  /** Decoded samples not yet mixed (a packet may carry more or less than 20 ms). */
  pcm: Int16Array = new Int16Array(0);
  ticksWaiting = 0;
  lastPacketAtMs = 0;

  /** Extends a 16-bit sequence number relative to the last one seen. */
  extend(seq16: number): number {
    if (this.lastSeq < 0) return (this.lastSeq = seq16);
    const delta = ((seq16 - this.lastSeq + 0x8000) & 0xffff) - 0x8000;
    const ext = this.lastSeq + delta;
    if (delta > 0) this.lastSeq = ext;
    return ext;
  }

  close(): void {
    this.decoder.delete();
  }
}

export class AudioMixer {
  private readonly speakers = new Map<string, SpeakerStream>();
  private readonly acc = new Int32Array(FRAME_SAMPLES);
  /** Packets that could not be decoded (corrupt or not Opus); counted, never fatal. */
  decodeErrors = 0;
  packetsIn = 0;

  /** A live speaker's RTP packet (the buffer is only read now). */
  push(speakerId: string, rtp: Buffer, nowMs: number): void {
    const bounds = rtpPayloadBounds(rtp);
    if (!bounds || bounds[1] <= bounds[0]) return;
    let s = this.speakers.get(speakerId);
    if (!s) {
      s = new SpeakerStream();
      this.speakers.set(speakerId, s);
    }
    this.packetsIn++;
    s.lastPacketAtMs = nowMs;
    const seq = s.extend(rtpSequence(rtp));
    if (s.hasPlayed && seq < s.nextSeq) return; // too late: its slot was already mixed
    const q = s.queue;
    let i = q.length;
    while (i > 0 && q[i - 1]!.seq > seq) i--;
    if (i > 0 && q[i - 1]!.seq === seq) return; // duplicate
    q.splice(i, 0, { seq, payload: Buffer.from(rtp.subarray(bounds[0], bounds[1])) });
    if (q.length > MAX_DEPTH) {
      q.shift();
      if (s.playing) s.nextSeq = q[0]!.seq;
    }
  }

  /** The next 20 ms of the mix, as s16le. Silence when nobody talks. */
  mix(nowMs: number): Buffer {
    const acc = this.acc;
    acc.fill(0);
    for (const [id, s] of this.speakers) {
      if (!s.playing) {
        if (s.queue.length === 0) {
          if (nowMs - s.lastPacketAtMs > IDLE_RELEASE_MS) {
            s.close();
            this.speakers.delete(id);
          }
          continue;
        }
        if (s.queue.length < START_DEPTH && ++s.ticksWaiting < START_DEPTH) continue;
        s.playing = true;
        s.hasPlayed = true;
        s.ticksWaiting = 0;
        s.nextSeq = s.queue[0]!.seq;
      }
      this.fill(s);
      const n = Math.min(FRAME_SAMPLES, s.pcm.length);
      for (let k = 0; k < n; k++) acc[k]! += s.pcm[k]!;
      s.pcm = s.pcm.subarray(n);
      // The talkspurt is over (the gate closed): wait for the next one to refill its queue.
      if (s.pcm.length === 0 && s.queue.length === 0) s.playing = false;
    }
    const out = Buffer.allocUnsafe(FRAME_SAMPLES * 2);
    for (let k = 0; k < FRAME_SAMPLES; k++) {
      const v = acc[k]!;
      out.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, k * 2);
    }
    return out;
  }

  get activeSpeakers(): number {
    let n = 0;
    for (const s of this.speakers.values()) if (s.playing) n++;
    return n;
  }

  close(): void {
    for (const s of this.speakers.values()) s.close();
    this.speakers.clear();
  }

  /** Decodes queued packets in order until 20 ms of samples are ready; a lost packet leaves a gap. */
  private fill(s: SpeakerStream): void {
    while (s.pcm.length < FRAME_SAMPLES && s.queue.length > 0) {
      const head = s.queue[0]!;
      if (head.seq > s.nextSeq) {
        // Lost (or not here yet): 20 ms of silence in its place, as the packet would have carried.
        s.nextSeq++;
        s.pcm = concat(s.pcm, new Int16Array(FRAME_SAMPLES));
        continue;
      }
      s.queue.shift();
      s.nextSeq = head.seq + 1;
      try {
        const decoded = s.decoder.decode(head.payload);
        // A view needs 2-byte alignment; a pooled Buffer may not have it.
        const samples =
          decoded.byteOffset % 2 === 0
            ? new Int16Array(decoded.buffer, decoded.byteOffset, decoded.length >> 1)
            : new Int16Array(new Uint8Array(decoded).buffer);
        s.pcm = concat(s.pcm, samples);
      } catch {
        this.decodeErrors++;
      }
    }
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b.slice();
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
