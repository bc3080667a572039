// Decides, packet by packet, whether a publisher is talking, from the RFC 6464 level the
// sender's browser writes into each audio packet. It drives two things: the forwarding gate
// (silent speakers cost listeners nothing) and the speaking indicators.
//
// The gate opens on the first loud frame, so the onset of a word is never clipped, and
// closes only after a hangover, so the pauses between words don't chop speech.

export interface VoiceActivityConfig {
  /** Frames at or louder than this (-dBov; 0 loudest, 127 silence) count as voice. */
  thresholdLevel: number;
  /** How long the gate stays open after the last voiced frame. */
  hangoverMs: number;
}

export const DEFAULT_VOICE_ACTIVITY: VoiceActivityConfig = { thresholdLevel: 55, hangoverMs: 700 };

/** Levels quieter than this map to 0 loudness, louder than LOUD_LEVEL to 1. */
const QUIET_LEVEL = 70;
const LOUD_LEVEL = 20;

export class VoiceActivity {
  open = false;
  private lastVoicedMs = -Infinity;
  /** Loudest frame since the indicator last read it, 0..1. */
  private peak = 0;
  private smoothed = 0;

  constructor(private readonly config: VoiceActivityConfig = DEFAULT_VOICE_ACTIVITY) {}

  /**
   * @param level the raw extension byte (V bit + level) or -1 when the packet carries none;
   *   without levels we cannot tell silence, so the gate stays open.
   * @returns whether the packet should be forwarded.
   */
  update(level: number, nowMs: number): boolean {
    if (level < 0) {
      this.open = true;
      this.lastVoicedMs = nowMs;
      return true;
    }
    const dBov = level & 0x7f;
    if (dBov <= this.config.thresholdLevel) {
      this.lastVoicedMs = nowMs;
      this.open = true;
      const loudness = (QUIET_LEVEL - dBov) / (QUIET_LEVEL - LOUD_LEVEL);
      if (loudness > this.peak) this.peak = loudness > 1 ? 1 : loudness;
    } else if (this.open && nowMs - this.lastVoicedMs > this.config.hangoverMs) {
      this.open = false;
    }
    return this.open;
  }

  /** Closes the gate if the stream stopped (no packets at all, e.g. the sender muted). */
  expire(nowMs: number): void {
    if (this.open && nowMs - this.lastVoicedMs > this.config.hangoverMs) this.open = false;
  }

  /** Smoothed loudness for the indicator, 0..1; reading it starts a new interval. */
  takeLevel(): number {
    this.smoothed = this.open ? Math.max(this.peak, this.smoothed * 0.6) : 0;
    this.peak = 0;
    return this.smoothed;
  }

  reset(): void {
    this.open = false;
    this.lastVoicedMs = -Infinity;
    this.peak = 0;
    this.smoothed = 0;
  }
}
