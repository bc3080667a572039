// The reference: dominant speaker identification after Volfin & Cohen, "Dominant speaker
// identification for multipoint videoconferencing" (Computer Speech & Language, 2012), with
// the parameters Jitsi's DominantSpeakerIdentification uses over RFC 6464 levels.
//
// Local processing, per participant, on three time scales:
//   - immediate: one frame. The paper counts the active frequency sub-bands of the frame;
//     over levels, the 0..127 loudness range (127 - level) is cut into N1 = 13 sub-bands of
//     10, and the frame's loudness says how many it reaches. Loudness within one sub-band of
//     the participant's own minimum (its "silence") counts as 0, which puts participants
//     with different noise floors on an equal footing.
//   - medium: how many of the last N2 = 5 immediates exceed 7 sub-bands;
//   - long: how many of the last N3 = 10 mediums exceed 4 (i.e. the last second).
// Each count a out of N becomes a speech activity score, the log-likelihood ratio of a
// binomial speech model (p = 0.5) against an exponential non-speech model (rate λ):
//   ψ = log C(N, a) + a log p + (N - a) log(1 - p) - log λ + λ a,
// with λ = 0.78, 24, 47 for the three scales, floored at a small positive value.
//
// Global decision, every 300 ms: each participant j is compared with the dominant speaker d
// on the three scales, Δi = log(ψj,i / ψd,i). j is a candidate when Δ1 > C1 = 3,
// Δ2 > C2 = 2 and Δ3 > C3 = 0; among candidates the highest Δ2 wins.
//
// The participant's minimum level is tracked as in Jitsi: a lower level replaces it at once;
// otherwise the minimum of the next 15 s is collected and the old minimum moves to the
// geometric mean of the two, so it rises slowly. Participants that send no level for 40 ms
// are fed one silent level every 40 ms (muted, or DTX).
//
// Departures from Jitsi, both for the SpeakerDetector contract: the detector names nobody
// until someone has made a sound (Jitsi nominates a participant at random), and when there
// is no dominant speaker it nominates the first participant who is active rather than the
// first one in its map.
import type { SpeakerDetector } from './speaker-detector.js';

export interface VolfinCohenOptions {
  /** How often the global decision is made (ms). 300 in the paper and in Jitsi. */
  decisionIntervalMs?: number;
}

const N1 = 13;
const N2 = 5;
const N3 = 10;
const HISTORY = N2 * N3; // levels kept: one long interval, 1 s of 20 ms frames
const SUB_BAND = Math.floor((127 + N1 - 1) / N1); // 10 loudness units per sub-band
const MEDIUM_THRESHOLD = 7; // an immediate counts towards the medium when above this
const LONG_THRESHOLD = 4; // a medium counts towards the long when above this
const P = 0.5;
const LAMBDA_IMMEDIATE = 0.78;
const LAMBDA_MEDIUM = 24;
const LAMBDA_LONG = 47;
const C1 = 3;
const C2 = 2;
const C3 = 0;
const MIN_SCORE = 1e-10;
const LEVEL_IDLE_MS = 40;
const FLOOR_WINDOW = (15 * 1000) / 20; // 15 s of levels

function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

function scoreTable(total: number, lambda: number): Float64Array {
  const t = new Float64Array(total + 1);
  for (let a = 0; a <= total; a++) {
    const s = logBinomial(total, a) + a * Math.log(P) + (total - a) * Math.log(1 - P) - Math.log(lambda) + lambda * a;
    t[a] = s < MIN_SCORE ? MIN_SCORE : s;
  }
  return t;
}

const IMMEDIATE_SCORE = scoreTable(N1, LAMBDA_IMMEDIATE);
const MEDIUM_SCORE = scoreTable(N2, LAMBDA_MEDIUM);
const LONG_SCORE = scoreTable(N3, LAMBDA_LONG);

class Participant {
  /** Loudness (127 - level) of the last HISTORY frames; ring buffer, newest at head - 1. */
  private readonly loudness = new Uint8Array(HISTORY);
  private head = 0;
  /** The participant's minimum loudness (its silence); 0 while unknown. */
  private minLoudness = 0;
  private nextMin = 0;
  private nextMinCount = 0;
  lastLevelMs = -Infinity;
  immediate = MIN_SCORE;
  medium = MIN_SCORE;
  long = MIN_SCORE;
  active = false;

  constructor(readonly id: string) {}

  push(loudness: number): void {
    this.loudness[this.head] = loudness;
    this.head = this.head + 1 === HISTORY ? 0 : this.head + 1;
    this.trackMinimum(loudness);
  }

  private trackMinimum(l: number): void {
    if (l === 0) return; // a muted source says nothing about the noise floor
    if (this.minLoudness === 0 || l < this.minLoudness) {
      this.minLoudness = l;
      this.nextMin = 0;
      this.nextMinCount = 0;
      return;
    }
    if (this.nextMin === 0 || l < this.nextMin) this.nextMin = l;
    if (++this.nextMinCount >= FLOOR_WINDOW) {
      this.minLoudness = Math.min(127, Math.floor(Math.sqrt(this.minLoudness * this.nextMin)));
      this.nextMin = 0;
      this.nextMinCount = 0;
    }
  }

  /** Recomputes the three speech activity scores from the level history. */
  evaluate(): void {
    const silence = this.minLoudness + SUB_BAND;
    let immediate0 = 0;
    let mediumCount = 0; // mediums in the long interval above LONG_THRESHOLD
    let medium0 = 0;
    let idx = this.head;
    for (let block = 0; block < N3; block++) {
      let inBlock = 0; // immediates in this medium block above MEDIUM_THRESHOLD
      for (let k = 0; k < N2; k++) {
        idx = idx === 0 ? HISTORY - 1 : idx - 1;
        const l = this.loudness[idx]!;
        const imm = l < silence ? 0 : Math.floor(l / SUB_BAND);
        if (block === 0 && k === 0) immediate0 = imm;
        if (imm > MEDIUM_THRESHOLD) inBlock++;
      }
      if (block === 0) medium0 = inBlock;
      if (inBlock > LONG_THRESHOLD) mediumCount++;
    }
    this.immediate = IMMEDIATE_SCORE[immediate0]!;
    this.medium = MEDIUM_SCORE[medium0]!;
    this.long = LONG_SCORE[mediumCount]!;
    if (this.immediate > MIN_SCORE || this.medium > MIN_SCORE || this.long > MIN_SCORE) this.active = true;
  }
}

export class VolfinCohenDetector implements SpeakerDetector {
  private readonly byId = new Map<string, Participant>();
  private readonly list: Participant[] = [];
  private dominant: Participant | null = null;
  private lastDecisionMs = -Infinity;
  private lastIdleMs = NaN;
  private readonly intervalMs: number;

  constructor(options: VolfinCohenOptions = {}) {
    this.intervalMs = options.decisionIntervalMs ?? 300;
  }

  get current(): string | null {
    return this.dominant?.id ?? null;
  }

  addLevel(speakerId: string, level: number, _voice: boolean, nowMs: number): void {
    let p = this.byId.get(speakerId);
    if (p === undefined) {
      p = new Participant(speakerId);
      this.byId.set(speakerId, p);
      this.list.push(p);
    }
    if (nowMs < p.lastLevelMs) return; // late: discarded
    p.lastLevelMs = nowMs;
    const l = level < 0 ? 0 : level > 127 ? 127 : level | 0;
    p.push(127 - l);
  }

  removeSpeaker(speakerId: string): void {
    const p = this.byId.get(speakerId);
    if (p === undefined) return;
    this.byId.delete(speakerId);
    this.list.splice(this.list.indexOf(p), 1);
    if (this.dominant === p) this.dominant = null;
  }

  decide(nowMs: number): string | null {
    this.timeoutIdle(nowMs);
    if (nowMs - this.lastDecisionMs < this.intervalMs) return this.current;
    this.lastDecisionMs = nowMs;
    const list = this.list;
    for (let i = 0; i < list.length; i++) list[i]!.evaluate();

    let dom = this.dominant;
    if (dom === null) {
      for (let i = 0; i < list.length && dom === null; i++) if (list[i]!.active) dom = list[i]!;
      if (dom === null) return null;
    }
    let best = dom;
    let bestC2 = C2;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (p === dom) continue;
      const c1 = Math.log(p.immediate / dom.immediate);
      const c2 = Math.log(p.medium / dom.medium);
      const c3 = Math.log(p.long / dom.long);
      if (c1 > C1 && c2 > C2 && c3 > C3 && c2 > bestC2) {
        bestC2 = c2;
        best = p;
      }
    }
    this.dominant = best;
    return best.id;
  }

  /** Every 40 ms, a participant that sent no level for 40 ms gets a silent one. */
  private timeoutIdle(nowMs: number): void {
    if (Number.isNaN(this.lastIdleMs)) {
      this.lastIdleMs = nowMs;
      return;
    }
    let ticks = Math.floor((nowMs - this.lastIdleMs) / LEVEL_IDLE_MS);
    if (ticks <= 0) return;
    if (ticks > HISTORY) {
      this.lastIdleMs += (ticks - HISTORY) * LEVEL_IDLE_MS;
      ticks = HISTORY;
    }
    for (let t = 0; t < ticks; t++) {
      this.lastIdleMs += LEVEL_IDLE_MS;
      for (let i = 0; i < this.list.length; i++) {
        const p = this.list[i]!;
        if (this.lastIdleMs - p.lastLevelMs > LEVEL_IDLE_MS) p.push(0);
      }
    }
  }
}
