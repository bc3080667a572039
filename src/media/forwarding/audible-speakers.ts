// Which people on stage are forwarded to subscribers: at most `capacity` of them, the ones
// who talked most recently (Jitsi's "last N" for audio, with N = 3 by default; DESIGN §3.2).
// Every subscriber has exactly `capacity` audio slots, so the stage can grow to 13 without a
// single renegotiation towards the audience, and a listener's PeerConnection holds 3 audio
// tracks instead of one per person on stage: fewer SRTP streams, fewer callbacks from the
// binding, and fewer sender reports.
//
// A member keeps its place while it talks. Someone who starts talking takes the place of the
// member who has been quiet the longest; when every member is still talking, the newcomer
// waits (a fourth simultaneous voice is noise to listeners anyway) and is admitted as soon as
// one of them pauses. Pure bookkeeping, no I/O: the room applies the result to the slots.

export interface Voice {
  /** When this voice last had a packet forwarded (its voice gate open), by the room's clock. */
  readonly lastVoiceAtMs: number;
}

export type Admission<V> = { admitted: false } | { admitted: true; evicted: V | null };

const REJECTED = { admitted: false } as const;

/** A member is still talking if it was heard this recently: longer than a packet gap, shorter than a pause between sentences. */
export const STILL_TALKING_MS = 300;

export class AudibleSpeakers<V extends Voice> {
  private readonly list: V[] = [];

  constructor(
    readonly capacity: number,
    private readonly stillTalkingMs = STILL_TALKING_MS,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get members(): readonly V[] {
    return this.list;
  }

  has(voice: V): boolean {
    return this.list.includes(voice);
  }

  /**
   * `voice` is talking and is not a member: makes room for it if it can. Admitting a voice
   * that is already a member changes nothing and reports no eviction.
   */
  admit(voice: V, nowMs: number): Admission<V> {
    if (this.list.includes(voice)) return { admitted: true, evicted: null };
    if (this.list.length < this.capacity) {
      this.list.push(voice);
      return { admitted: true, evicted: null };
    }
    let quietest = -1;
    for (let i = 0; i < this.list.length; i++) {
      const member = this.list[i]!;
      if (nowMs - member.lastVoiceAtMs < this.stillTalkingMs) continue;
      if (quietest < 0 || member.lastVoiceAtMs < this.list[quietest]!.lastVoiceAtMs) quietest = i;
    }
    if (quietest < 0) return REJECTED;
    const evicted = this.list[quietest]!;
    this.list[quietest] = voice;
    return { admitted: true, evicted };
  }

  /** The voice left the stage; true if it was a member. */
  remove(voice: V): boolean {
    const i = this.list.indexOf(voice);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  clear(): void {
    this.list.length = 0;
  }
}
