// Puts the stage video's packets back in order before reassembly. Upstream loss is repaired
// by NACK (the publisher resends), so a missing packet often arrives a few tens of
// milliseconds late; the encoder waits that long for it instead of dropping to the next
// keyframe. A gap that stays open longer is given up, and the assembler sees the loss.
import { rtpSequence } from '../wire/rtp.js';

/** How long a gap may stay open waiting for a retransmission. */
const MAX_WAIT_MS = 200;
/** Packets held behind a gap at most (a 720p keyframe is ~100). */
const MAX_HELD = 1024;

export class RtpReorderBuffer {
  private next = -1;
  private readonly held = new Map<number, Buffer>();
  /** When the current gap opened (the first packet held behind it arrived). */
  private gapSince = 0;
  released = 0;
  reordered = 0;
  gaveUp = 0;

  /**
   * One packet in (read now; kept as a copy only while held); out, the packets now in order.
   * The returned in-order packet may be `pkt` itself.
   */
  push(pkt: Buffer, nowMs: number): Buffer[] {
    if (pkt.length < 12) return [];
    const seq = rtpSequence(pkt);
    if (this.next < 0) this.next = seq;
    const ahead = (seq - this.next) & 0xffff;
    if (ahead >= 0x8000) return []; // its place was already given up or filled: too late
    if (ahead === 0 && this.held.size === 0) {
      this.next = (seq + 1) & 0xffff;
      this.released++;
      return [pkt];
    }
    if (this.held.size === 0) this.gapSince = nowMs;
    if (!this.held.has(seq)) this.held.set(seq, Buffer.from(pkt));
    if (ahead === 0) this.reordered++;
    return this.drain(nowMs);
  }

  /** Called now and then without new packets, so a gap that never fills is given up. */
  poll(nowMs: number): Buffer[] {
    return this.held.size > 0 ? this.drain(nowMs) : [];
  }

  private drain(nowMs: number): Buffer[] {
    const out: Buffer[] = [];
    for (;;) {
      let p = this.held.get(this.next);
      while (p) {
        this.held.delete(this.next);
        out.push(p);
        this.next = (this.next + 1) & 0xffff;
        p = this.held.get(this.next);
      }
      if (this.held.size === 0) break;
      if (nowMs - this.gapSince < MAX_WAIT_MS && this.held.size < MAX_HELD) break;
      // Give up on the gap: continue from the oldest packet we do have.
      let nearest = 0x10000;
      for (const s of this.held.keys()) nearest = Math.min(nearest, (s - this.next) & 0xffff);
      this.next = (this.next + nearest) & 0xffff;
      this.gaveUp++;
      this.gapSince = nowMs;
    }
    if (this.held.size > 0 && out.length > 0) this.gapSince = nowMs;
    this.released += out.length;
    return out;
  }
}
