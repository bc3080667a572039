// The interface every dominant-speaker detector implements (its own module, so that the
// implementations and the factory in detector.ts do not import each other).
export interface SpeakerDetector {
  /**
   * One audio frame's RFC 6464 level (0 loudest..127 silence) and V bit for `speakerId` at
   * `nowMs`. Muted speakers are simply not fed (or fed 127). Allocates nothing once the
   * speaker is known.
   */
  addLevel(speakerId: string, level: number, voice: boolean, nowMs: number): void;
  removeSpeaker(speakerId: string): void;
  /**
   * Re-evaluates (call every 20–100 ms); returns the dominant speaker id, or null when
   * nobody has spoken yet.
   */
  decide(nowMs: number): string | null;
  readonly current: string | null;
}
