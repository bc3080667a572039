// Scoring a detector's decisions against the ground truth (who holds the floor).
//
//   accuracy        % of frames, from the start of the first ground-truth turn on, where the
//                   decision names the speaker who holds the floor.
//   false switches  per minute: decision changes (after the first decision) to someone who is
//                   not the truth at that moment, nor becomes it within the next 300 ms.
//   switch latency  for each ground-truth turn, the time from its start to the first decision
//                   naming its speaker during the turn (0 if already named); median and p95
//                   over the turns that were named.
//   missed turns    ground-truth turns whose speech lasts at least 2 s and whose speaker is
//                   never named during the turn (before the next turn starts).
import type { Decision } from '../../src/media/speaker/trace.js';
import type { EventKind, GeneratedTrace } from './conversation.js';

const EARLY_OK_MS = 300;
const MISSED_MIN_MS = 2000;

export interface ConversationScore {
  frames: number;
  correctFrames: number;
  minutes: number;
  falseSwitches: number;
  falseByCause: Record<string, number>;
  latencies: number[];
  turns: number;
  longTurns: number;
  missed: number;
}

export interface Summary {
  accuracyPct: number;
  falseSwitchesPerMin: number;
  latencyMedianMs: number;
  latencyP95Ms: number;
  missedTurns: number;
  longTurns: number;
  turns: number;
  falseByCause: Record<string, number>;
}

export function scoreConversation(trace: GeneratedTrace, decisions: Decision[]): ConversationScore {
  const { frameMs, turns } = trace;
  const frames = trace.levels[trace.speakers[0]!]!.length;
  // Decision in force at each frame.
  const decided: (string | null)[] = new Array(frames).fill(null);
  for (let i = 0; i < decisions.length; i++) {
    const from = Math.ceil(decisions[i]!.atMs / frameMs);
    const to = i + 1 < decisions.length ? Math.ceil(decisions[i + 1]!.atMs / frameMs) : frames;
    for (let f = from; f < to && f < frames; f++) decided[f] = decisions[i]!.speaker;
  }
  const truth: (string | null)[] = new Array(frames).fill(null);
  turns.forEach((turn, i) => {
    const from = Math.ceil(turn.startMs / frameMs);
    const to = i + 1 < turns.length ? Math.ceil(turns[i + 1]!.startMs / frameMs) : frames;
    for (let f = from; f < to && f < frames; f++) truth[f] = turn.speaker;
  });

  let counted = 0;
  let correct = 0;
  for (let f = 0; f < frames; f++) {
    if (truth[f] === null) continue;
    counted++;
    if (decided[f] === truth[f]) correct++;
  }

  let falseSwitches = 0;
  const falseByCause: Record<string, number> = {};
  for (let i = 1; i < decisions.length; i++) {
    const { atMs, speaker } = decisions[i]!;
    if (speaker === null) continue;
    const f = Math.min(frames - 1, Math.ceil(atMs / frameMs));
    if (truth[f] === speaker) continue;
    if (turns.some((t) => t.speaker === speaker && t.startMs > atMs && t.startMs <= atMs + EARLY_OK_MS)) continue;
    falseSwitches++;
    const cause = causeOf(trace, speaker, atMs);
    falseByCause[cause] = (falseByCause[cause] ?? 0) + 1;
  }

  const latencies: number[] = [];
  let longTurns = 0;
  let missed = 0;
  turns.forEach((turn, i) => {
    const from = Math.ceil(turn.startMs / frameMs);
    const to = Math.min(frames, i + 1 < turns.length ? Math.ceil(turns[i + 1]!.startMs / frameMs) : frames);
    let named = -1;
    for (let f = from; f < to; f++) {
      if (decided[f] === turn.speaker) {
        named = f;
        break;
      }
    }
    const long = turn.speechEndMs - turn.startMs >= MISSED_MIN_MS;
    if (long) longTurns++;
    if (named >= 0) latencies.push(Math.max(0, named * frameMs - turn.startMs));
    else if (long) missed++;
  });

  return {
    frames: counted,
    correctFrames: correct,
    minutes: (frames * frameMs) / 60_000,
    falseSwitches,
    falseByCause,
    latencies,
    turns: turns.length,
    longTurns,
    missed,
  };
}

/** What the wrongly named speaker was doing just before the switch. */
function causeOf(trace: GeneratedTrace, speaker: string, atMs: number): string {
  const kinds = new Set<EventKind>();
  for (const e of trace.events) {
    if (e.speaker !== speaker || e.endMs < atMs - 1500 || e.startMs > atMs) continue;
    kinds.add(e.kind);
  }
  for (const k of ['speech', 'backchannel', 'cough', 'keyboard', 'breath'] as const) {
    if (kinds.has(k)) return k === 'speech' ? 'speech (early/late)' : k;
  }
  return 'noise';
}

export function summarize(scores: ConversationScore[]): Summary {
  let frames = 0;
  let correct = 0;
  let minutes = 0;
  let falseSwitches = 0;
  let missed = 0;
  let longTurns = 0;
  let turns = 0;
  const latencies: number[] = [];
  const falseByCause: Record<string, number> = {};
  for (const s of scores) {
    frames += s.frames;
    correct += s.correctFrames;
    minutes += s.minutes;
    falseSwitches += s.falseSwitches;
    missed += s.missed;
    longTurns += s.longTurns;
    turns += s.turns;
    latencies.push(...s.latencies);
    for (const [k, v] of Object.entries(s.falseByCause)) falseByCause[k] = (falseByCause[k] ?? 0) + v;
  }
  latencies.sort((a, b) => a - b);
  return {
    accuracyPct: frames ? (100 * correct) / frames : 0,
    falseSwitchesPerMin: minutes ? falseSwitches / minutes : 0,
    latencyMedianMs: quantile(latencies, 0.5),
    latencyP95Ms: quantile(latencies, 0.95),
    missedTurns: missed,
    longTurns,
    turns,
    falseByCause,
  };
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
