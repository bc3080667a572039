// Our dominant-speaker detector: who holds the floor, from RFC 6464 levels alone.
//
// Per speaker, per frame (addLevel; no allocation):
//   - a noise floor: a min-follower that drops quickly to quieter frames and rises slowly,
//     never assumed below an absolute floor (digital silence from noise suppression would
//     otherwise make any click look loud);
//   - a frame is active when it is `activeDb` above that speaker's own floor, so microphone
//     gain and background noise cancel out; for a noise that fluctuates (rumble, wind), the
//     threshold rises with the noise's own spread over the floor (`noiseSpreadK` times its
//     mean, plus `noiseSpreadDb`), learnt from the frames between talkspurts;
//   - talkspurts: active frames joined across gaps up to `bridgeMs` (the pauses inside and
//     between words), with their duration, their density (share of voiced frames), and
//     their syllables: climbs of `syllableDb` to a peak spanning `syllableFrames` active
//     frames, and (once we know how loud this speaker talks) within `softDb` of that.
//     Speech runs at 4–6 syllables a second; a cough or a breath is one burst, a backchannel
//     one or two syllables, a keyboard a train of one-frame clicks.
//
// Decision (decide, every 20–100 ms): the dominant speaker keeps the floor through any pause
// as long as nobody else takes it. Another speaker takes it with a talkspurt that is dense
// enough, long enough and has enough syllables, where "enough" depends on what the dominant
// speaker is doing:
//   - still talking (active within `quietMs`): an interruption, which has to outlast any
//     backchannel (`takeoverMs`, `takeoverSyllables`) and be clearly more sustained than
//     what the dominant speaker is doing (`takeoverMargin` more voiced frames over the last
//     second): two people talking at once leave the floor where it is, and a dominant
//     speaker who is only typing or breathing loses it;
//   - silent for `quietMs`: a turn change, or only a pause between sentences:
//     `quietTakeoverMs` and `quietSyllables` (more than a backchannel has), relaxing linearly
//     as the silence grows, down to
//   - silent for `longQuietMs` (or nobody holds the floor yet): the floor is free:
//     `freeTakeoverMs`, `freeSyllables`.
// Once the dominant speaker is silent, the challenger must also carry on in the silence
// (`afterSyllables`). Among several challengers, the longest talkspurt wins. A speaker who
// loses the floor while still talking has to win it back from scratch.
import type { SpeakerDetector } from './speaker-detector.js';

export interface FloorDetectorOptions {
  /** Nominal frame duration of the levels (ms). */
  frameMs?: number;
  /** A frame is active this many dB above the speaker's noise floor. */
  activeDb?: number;
  /** The threshold is at least noiseSpreadK × (mean height of noise frames over the floor) + noiseSpreadDb. */
  noiseSpreadK?: number;
  noiseSpreadDb?: number;
  /** The noise floor is never assumed lower than this (dBov). */
  absoluteFloorDb?: number;
  /** How fast the floor follows louder frames (dB per second). */
  floorRiseDbPerS?: number;
  /** How fast the floor follows quieter frames (fraction of the difference per frame). */
  floorFall?: number;
  /** Silences up to this long stay inside a talkspurt (ms). */
  bridgeMs?: number;
  /** Minimum share of voiced frames in a talkspurt that may take the floor... */
  minDensity?: number;
  /** ... where a frame is voiced this many dB above the floor (less than active: quiet syllables count). */
  voicedDb?: number;
  /** Rise and fall (dB) that delimit a syllable. */
  syllableDb?: number;
  /** Active frames a syllable needs (a click is one or two). */
  syllableFrames?: number;
  /**
   * Once a speaker has talked for a while, a syllable must peak within this many dB of
   * their usual speech level (a breath or a murmur is much softer than their words).
   */
  softDb?: number;
  /** The dominant speaker counts as silent after this long without an active frame (ms). */
  quietMs?: number;
  /** ... and the floor counts as free after this long (ms). */
  longQuietMs?: number;
  /**
   * Talkspurt length and syllables that take the floor from someone still talking, whose
   * share of voiced frames over the last second is at least `takeoverMargin` below the
   * challenger's (two people talking at once: the floor stays where it is).
   */
  takeoverMs?: number;
  takeoverSyllables?: number;
  takeoverMargin?: number;
  /** ... from someone silent for quietMs. */
  quietTakeoverMs?: number;
  quietSyllables?: number;
  /** Syllables the challenger must begin after the dominant speaker fell silent. */
  afterSyllables?: number;
  /** ... when the floor is free. */
  freeTakeoverMs?: number;
  freeSyllables?: number;
  /** A speaker not fed for this long is treated as silent from then on (ms). */
  idleMs?: number;
}

export const FLOOR_DETECTOR_DEFAULTS: Readonly<Required<FloorDetectorOptions>> = {
  // Tuned on the bench's training conversations and chosen on its dev conversations
  // (bench/speaker/tune.ts); the test conversations play no part.
  frameMs: 20,
  activeDb: 10,
  noiseSpreadK: 1.5,
  noiseSpreadDb: 2,
  absoluteFloorDb: -80,
  floorRiseDbPerS: 1,
  floorFall: 0.3,
  bridgeMs: 200,
  minDensity: 0.6,
  voicedDb: 6,
  syllableDb: 3,
  syllableFrames: 2,
  softDb: 12,
  quietMs: 300,
  longQuietMs: 1000,
  takeoverMs: 1100,
  takeoverSyllables: 2,
  takeoverMargin: 0.2,
  quietTakeoverMs: 250,
  quietSyllables: 5,
  afterSyllables: 1,
  freeTakeoverMs: 250,
  freeSyllables: 2,
  idleMs: 120,
};

type Params = Required<FloorDetectorOptions>;

/** Frames over which the recent share of voiced frames is measured (1 s). */
const RECENT_FRAMES = 50;
/** Active frames of talkspurts at least this long teach a speaker's usual speech level (ms). */
const SPEECH_LEARN_MS = 1000;
/** Learning rate of that level, per active frame. */
const SPEECH_ALPHA = 0.02;
/** How many syllable times a track remembers. */
const SYLLABLE_RING = 8;
/** Frames this close to an active frame are not used to learn the noise (ms). */
const NOISE_GUARD_MS = 200;
/** Learning rate of the noise spread, per frame (a time constant of about 2 s). */
const NOISE_ALPHA = 0.01;

class Track {
  floorDb = NaN;
  /** Mean height of noise frames over the floor (dB). */
  noiseSpread = 0;
  lastFedMs = -Infinity;
  lastActiveMs = -Infinity;
  inSpurt = false;
  spurtStartMs = 0;
  /** Voiced frames in the current talkspurt. */
  spurtVoiced = 0;
  /** Frames from the talkspurt's start to its last active frame. */
  spurtFrames = 0;
  private framesSinceStart = 0;
  /** Voiced flags of the last RECENT_FRAMES frames (ring buffer) and their sum. */
  private readonly recent = new Uint8Array(RECENT_FRAMES);
  private recentAt = 0;
  private recentVoiced = 0;
  /** Syllables in the talkspurt (counted once a climb has syllableFrames active frames). */
  private syllables = 0;
  /** When the last SYLLABLE_RING syllables were counted (ring buffer). */
  private readonly syllableAt = new Float64Array(SYLLABLE_RING);
  private rising = false;
  private peakDb = 0;
  private valleyDb = 0;
  private climbActive = 0;
  private climbCounted = false;
  /** The speaker's usual level when talking (dBov), learnt from long talkspurts; NaN until then. */
  speechDb = NaN;

  constructor(readonly id: string) {}

  frame(level: number, nowMs: number, p: Params, riseDb: number): void {
    const db = -(level < 0 ? 0 : level > 127 ? 127 : level);
    if (Number.isNaN(this.floorDb)) this.floorDb = db;
    else if (db < this.floorDb) this.floorDb += (db - this.floorDb) * p.floorFall;
    else this.floorDb += riseDb;
    const floor = this.floorDb > p.absoluteFloorDb ? this.floorDb : p.absoluteFloorDb;
    const above = db > floor ? db - floor : 0;
    const spreadThreshold = p.noiseSpreadK * this.noiseSpread + p.noiseSpreadDb;
    const threshold = spreadThreshold > p.activeDb ? spreadThreshold : p.activeDb;
    const active = above >= threshold;
    // Frames well away from any activity are noise: learn how far they stray over the floor.
    if (!active && nowMs - this.lastActiveMs > NOISE_GUARD_MS) this.noiseSpread += (above - this.noiseSpread) * NOISE_ALPHA;

    const voiced = above >= threshold - p.activeDb + p.voicedDb ? 1 : 0;
    this.recentVoiced += voiced - this.recent[this.recentAt]!;
    this.recent[this.recentAt] = voiced;
    this.recentAt = this.recentAt + 1 === RECENT_FRAMES ? 0 : this.recentAt + 1;

    if (this.inSpurt && nowMs - this.lastActiveMs > p.bridgeMs) this.inSpurt = false;
    if (active) {
      if (!this.inSpurt) this.restart(nowMs, db);
      this.lastActiveMs = nowMs;
    }
    if (!this.inSpurt) return;
    this.framesSinceStart++;
    this.spurtVoiced += voiced;
    if (active) this.spurtFrames = this.framesSinceStart;
    // Well into a talkspurt, it is speech: learn how loud this speaker talks.
    if (active && nowMs - this.spurtStartMs >= SPEECH_LEARN_MS) {
      this.speechDb = Number.isNaN(this.speechDb) ? db : this.speechDb + (db - this.speechDb) * SPEECH_ALPHA;
    }
    // Syllables: climb to a peak, fall syllableDb below it, climb syllableDb again. A climb
    // counts once it has syllableFrames active frames and is loud enough for this speaker.
    if (this.rising) {
      if (db > this.peakDb) this.peakDb = db;
      if (active) this.climbActive++;
      if (!this.climbCounted && this.climbActive >= p.syllableFrames && (Number.isNaN(this.speechDb) || this.peakDb >= this.speechDb - p.softDb)) {
        this.climbCounted = true;
        this.syllableAt[this.syllables % SYLLABLE_RING] = nowMs;
        this.syllables++;
      }
      if (db <= this.peakDb - p.syllableDb) {
        this.rising = false;
        this.valleyDb = db;
      }
    } else if (db < this.valleyDb) {
      this.valleyDb = db;
    } else if (active && db >= this.valleyDb + p.syllableDb) {
      this.rising = true;
      this.peakDb = db;
      this.climbActive = 1;
      this.climbCounted = false;
    }
  }

  /** Starts a new talkspurt at `nowMs`, on a frame of `db`. */
  restart(nowMs: number, db: number): void {
    this.inSpurt = true;
    this.spurtStartMs = nowMs;
    this.spurtVoiced = 0;
    this.spurtFrames = 0;
    this.framesSinceStart = 0;
    this.syllables = 0;
    this.rising = true;
    this.peakDb = db;
    this.climbActive = 0;
    this.climbCounted = false;
  }

  /** Its talkspurt starts over at `nowMs`, with no syllable yet. */
  loseFloor(nowMs: number): void {
    this.restart(nowMs, 0);
    this.rising = false;
    this.valleyDb = Infinity;
  }

  /** Talkspurt duration (ms) if it is still going at `nowMs`, else 0. */
  spurtMs(nowMs: number, p: Params): number {
    if (!this.inSpurt || nowMs - this.lastActiveMs > p.bridgeMs) return 0;
    return this.lastActiveMs - this.spurtStartMs + p.frameMs;
  }

  density(): number {
    return this.spurtFrames > 0 ? Math.min(1, this.spurtVoiced / this.spurtFrames) : 0;
  }

  /** Share of voiced frames over the last second. */
  recentDensity(): number {
    return this.recentVoiced / RECENT_FRAMES;
  }

  syllableCount(): number {
    return this.syllables;
  }

  /** Syllables of the talkspurt begun after `ms` (counts at most SYLLABLE_RING back). */
  syllablesAfter(ms: number): number {
    let n = 0;
    const last = this.syllables > SYLLABLE_RING ? SYLLABLE_RING : this.syllables;
    for (let i = 1; i <= last; i++) {
      if (this.syllableAt[(this.syllables - i) % SYLLABLE_RING]! <= ms) break;
      n++;
    }
    return n;
  }
}

export class FloorDetector implements SpeakerDetector {
  private readonly p: Params;
  private readonly riseDb: number;
  private readonly byId = new Map<string, Track>();
  private readonly list: Track[] = [];
  private dominant: Track | null = null;
  /** Set when the dominant speaker leaves: the floor goes to whoever spoke last. */
  private orphaned = false;

  constructor(options: FloorDetectorOptions = {}) {
    const p: Params = { ...FLOOR_DETECTOR_DEFAULTS };
    for (const key of Object.keys(p) as Array<keyof Params>) {
      const v = options[key];
      if (v !== undefined) p[key] = v;
    }
    this.p = p;
    this.riseDb = (p.floorRiseDbPerS * p.frameMs) / 1000;
  }

  get current(): string | null {
    return this.dominant?.id ?? null;
  }

  addLevel(speakerId: string, level: number, _voice: boolean, nowMs: number): void {
    let t = this.byId.get(speakerId);
    if (t === undefined) {
      t = new Track(speakerId);
      this.byId.set(speakerId, t);
      this.list.push(t);
    }
    t.lastFedMs = nowMs;
    t.frame(level, nowMs, this.p, this.riseDb);
  }

  removeSpeaker(speakerId: string): void {
    const t = this.byId.get(speakerId);
    if (t === undefined) return;
    this.byId.delete(speakerId);
    this.list.splice(this.list.indexOf(t), 1);
    if (this.dominant === t) {
      this.dominant = null;
      this.orphaned = true;
    }
  }

  decide(nowMs: number): string | null {
    const p = this.p;
    const list = this.list;
    // Speakers who stopped sending (muted, or gone) fall silent.
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (nowMs - t.lastFedMs > p.idleMs) {
        let at = Math.max(t.lastFedMs + p.frameMs, nowMs - 2000);
        for (; at <= nowMs; at += p.frameMs) t.frame(127, at, p, this.riseDb);
        t.lastFedMs = nowMs;
      }
    }
    const dom = this.dominant;
    const quietFor = dom === null ? Infinity : nowMs - dom.lastActiveMs;
    let needMs: number;
    let needSyllables: number;
    if (quietFor >= p.longQuietMs) {
      needMs = p.freeTakeoverMs;
      needSyllables = p.freeSyllables;
    } else if (quietFor >= p.quietMs) {
      // The longer the silence, the likelier a turn change: from the quiet to the free
      // requirements, linearly.
      const x = (quietFor - p.quietMs) / (p.longQuietMs - p.quietMs);
      needMs = p.quietTakeoverMs + x * (p.freeTakeoverMs - p.quietTakeoverMs);
      needSyllables = Math.round(p.quietSyllables + x * (p.freeSyllables - p.quietSyllables));
    } else {
      needMs = p.takeoverMs;
      needSyllables = p.takeoverSyllables;
    }
    const talking = quietFor < p.quietMs;
    const domRecent = talking ? dom!.recentDensity() : 0;
    let best: Track | null = null;
    let bestMs = 0;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t === dom) continue;
      const ms = t.spurtMs(nowMs, p);
      if (ms < needMs || ms <= bestMs) continue;
      if (t.density() < p.minDensity || t.syllableCount() < needSyllables) continue;
      if (talking && t.recentDensity() < domRecent + p.takeoverMargin) continue;
      // Once the dominant speaker is silent, the challenger must go on talking in the
      // silence: a backchannel over the end of a sentence stops soon after it.
      if (dom !== null && !talking && t.syllablesAfter(dom.lastActiveMs) < p.afterSyllables) continue;
      best = t;
      bestMs = ms;
    }
    if (best === null && this.orphaned) {
      // The dominant speaker left and nobody is taking the floor: show whoever spoke last.
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        if (t.lastActiveMs > -Infinity && (best === null || t.lastActiveMs > best.lastActiveMs)) best = t;
      }
    }
    if (best !== null) {
      // The old dominant speaker, if still talking, has to win the floor back from scratch.
      if (dom !== null && dom.inSpurt) dom.loseFloor(nowMs);
      this.dominant = best;
      this.orphaned = false;
    }
    return this.current;
  }
}
