// Our dominant-speaker detector: who holds the floor, from RFC 6464 levels alone.
//
// Per speaker, per frame (addLevel; no allocation):
//   - a noise floor: a min-follower that drops quickly to quieter frames and rises slowly
//     (a few dB/s), never assumed below an absolute floor (digital silence from noise
//     suppression would otherwise make any click look loud);
//   - a frame is active when it is `activeDb` above that speaker's own floor, so microphone
//     gain and background noise cancel out; for a noise that fluctuates (rumble, wind), the
//     threshold rises with the noise's own spread over the floor (`noiseSpreadK` times its
//     mean, plus `noiseSpreadDb`), learnt from the frames between talkspurts;
//   - talkspurts: active frames joined across gaps up to `bridgeMs` (the pauses inside and
//     between words), with their duration, their density (share of active frames), and
//     their syllable count: level peaks that rise and fall by `syllableDb` and span at least
//     `syllableFrames` active frames. Speech runs at 4–6 syllables a second; a cough or a
//     breath is one burst, a backchannel one or two, a keyboard a train of one-frame clicks.
//
// Decision (decide, every 20–100 ms): the dominant speaker keeps the floor through any pause
// as long as nobody else takes it. Another speaker takes it with a talkspurt that is dense
// enough and has lasted long enough, with enough syllables, where "enough" depends on what
// the dominant speaker is doing:
//   - still talking (active within `quietMs`): an interruption, which has to outlast any
//     backchannel: `takeoverMs` and `takeoverSyllables`;
//   - fallen silent for `quietMs`: a turn change, or only a pause: `quietTakeoverMs` and
//     `quietSyllables`, relaxing linearly as the silence grows, down to
//   - silent for `longQuietMs` (or nobody holds the floor yet): the floor is free:
//     `freeTakeoverMs`, `freeSyllables`.
// Among several, the longest talkspurt wins. A speaker who loses the floor while still
// talking starts over, so two people talking at once cannot make the decision flicker.
import type { SpeakerDetector } from './detector.js';

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
  /** The dominant speaker counts as silent after this long without an active frame (ms). */
  quietMs?: number;
  /** ... and the floor counts as free after this long (ms). */
  longQuietMs?: number;
  /** Talkspurt length and syllables that take the floor from someone still talking. */
  takeoverMs?: number;
  takeoverSyllables?: number;
  /** ... from someone silent for quietMs. */
  quietTakeoverMs?: number;
  quietSyllables?: number;
  /** ... when the floor is free. */
  freeTakeoverMs?: number;
  freeSyllables?: number;
  /** A speaker not fed for this long is treated as silent from then on (ms). */
  idleMs?: number;
}

export const FLOOR_DETECTOR_DEFAULTS: Readonly<Required<FloorDetectorOptions>> = {
  // Tuned on the bench's training conversations only (bench/speaker/tune.ts).
  frameMs: 20,
  activeDb: 6,
  noiseSpreadK: 2,
  noiseSpreadDb: 4,
  absoluteFloorDb: -80,
  floorRiseDbPerS: 8,
  floorFall: 0.3,
  bridgeMs: 360,
  minDensity: 0.5,
  voicedDb: 3,
  syllableDb: 5,
  syllableFrames: 3,
  quietMs: 240,
  longQuietMs: 1200,
  takeoverMs: 1200,
  takeoverSyllables: 5,
  quietTakeoverMs: 700,
  quietSyllables: 3,
  freeTakeoverMs: 200,
  freeSyllables: 2,
  idleMs: 120,
};

type Params = Required<FloorDetectorOptions>;

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
  /** Completed syllables in the talkspurt, and the one being climbed. */
  private syllables = 0;
  private rising = false;
  private peakDb = 0;
  private valleyDb = 0;
  private climbActive = 0;

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

    if (this.inSpurt && nowMs - this.lastActiveMs > p.bridgeMs) this.inSpurt = false;
    if (active) {
      if (!this.inSpurt) this.restart(nowMs, db);
      this.lastActiveMs = nowMs;
    }
    if (!this.inSpurt) return;
    this.framesSinceStart++;
    if (above >= threshold - p.activeDb + p.voicedDb) this.spurtVoiced++;
    if (active) this.spurtFrames = this.framesSinceStart;
    // Syllables: climb to a peak, fall syllableDb below it, climb syllableDb again.
    if (this.rising) {
      if (db > this.peakDb) this.peakDb = db;
      if (active) this.climbActive++;
      if (db <= this.peakDb - p.syllableDb) {
        if (this.climbActive >= p.syllableFrames) this.syllables++;
        this.rising = false;
        this.valleyDb = db;
      }
    } else if (db < this.valleyDb) {
      this.valleyDb = db;
    } else if (active && db >= this.valleyDb + p.syllableDb) {
      this.rising = true;
      this.peakDb = db;
      this.climbActive = 1;
    }
  }

  /** Starts a new talkspurt at `nowMs` (also used when the speaker loses the floor). */
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
  }

  /** Talkspurt duration (ms) if it is still going at `nowMs`, else 0. */
  spurtMs(nowMs: number, p: Params): number {
    if (!this.inSpurt || nowMs - this.lastActiveMs > p.bridgeMs) return 0;
    return this.lastActiveMs - this.spurtStartMs + p.frameMs;
  }

  density(): number {
    return this.spurtFrames > 0 ? Math.min(1, this.spurtVoiced / this.spurtFrames) : 0;
  }

  syllableCount(p: Params): number {
    return this.syllables + (this.rising && this.climbActive >= p.syllableFrames ? 1 : 0);
  }
}

export class FloorDetector implements SpeakerDetector {
  private readonly p: Params;
  private readonly riseDb: number;
  private readonly byId = new Map<string, Track>();
  private readonly list: Track[] = [];
  private dominant: Track | null = null;

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
    if (this.dominant === t) this.dominant = null;
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
    let best: Track | null = null;
    let bestMs = 0;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t === dom) continue;
      const ms = t.spurtMs(nowMs, p);
      if (ms < needMs || ms <= bestMs) continue;
      if (t.density() < p.minDensity || t.syllableCount(p) < needSyllables) continue;
      best = t;
      bestMs = ms;
    }
    if (best !== null) {
      // The old dominant speaker, if still talking, has to win the floor back from scratch.
      if (dom !== null && dom.inSpurt) dom.restart(nowMs, -p.absoluteFloorDb);
      this.dominant = best;
    }
    return this.current;
  }
}
