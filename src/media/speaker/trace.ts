// Recorded level traces: the format, its validation, and a replay that feeds a detector
// frame by frame exactly as the server does (addLevel per speaker per frame, decide on a
// timer). Used by `spaces speaker-detect` and by the bench.
//
//   {"frameMs": 20, "speakers": ["a", "b"],
//    "levels": {"a": [127, 40, ...], "b": [...]},   RFC 6464 levels, 0 loudest..127 silence
//    "vad":    {"a": [0, 1, ...],    "b": [...]}}   the V bit (optional: all 0 without it)
// All arrays have the same length; other keys are ignored.
import { z } from 'zod';
import type { SpeakerDetector } from './speaker-detector.js';

const levelArray = z.array(z.number().int().min(0).max(127));
const vadArray = z.array(z.union([z.literal(0), z.literal(1), z.boolean()]));

export const traceSchema = z
  .object({
    frameMs: z.number().positive().max(1000),
    speakers: z.array(z.string().min(1)).min(1),
    levels: z.record(z.string(), levelArray),
    vad: z.record(z.string(), vadArray).optional(),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    let length: number | undefined;
    for (const s of t.speakers) {
      if (seen.has(s)) ctx.addIssue({ code: 'custom', path: ['speakers'], message: `speaker "${s}" is listed twice` });
      seen.add(s);
      const lv = t.levels[s];
      if (lv === undefined) {
        ctx.addIssue({ code: 'custom', path: ['levels', s], message: `no levels for speaker "${s}"` });
        continue;
      }
      length ??= lv.length;
      if (lv.length !== length) {
        ctx.addIssue({ code: 'custom', path: ['levels', s], message: `has ${lv.length} frames, expected ${length}` });
      }
      const v = t.vad?.[s];
      if (t.vad !== undefined && v === undefined) {
        ctx.addIssue({ code: 'custom', path: ['vad', s], message: `no vad for speaker "${s}"` });
      } else if (v !== undefined && v.length !== length) {
        ctx.addIssue({ code: 'custom', path: ['vad', s], message: `has ${v.length} frames, expected ${length}` });
      }
    }
  });

export type Trace = z.infer<typeof traceSchema>;

export interface Decision {
  atMs: number;
  speaker: string | null;
}

/** What runTrace needs of a trace (a parsed Trace, or the bench's generated ones). */
export interface TraceInput {
  frameMs: number;
  speakers: readonly string[];
  levels: Readonly<Record<string, ArrayLike<number>>>;
  vad?: Readonly<Record<string, ArrayLike<number | boolean>>>;
}

export class TraceError extends Error {}

/** Validates `input` (parsed JSON) as a trace; throws a TraceError listing every problem. */
export function parseTrace(input: unknown): Trace {
  const r = traceSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.slice(0, 10).map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  if (r.error.issues.length > 10) lines.push(`  … and ${r.error.issues.length - 10} more`);
  throw new TraceError(`invalid trace:\n${lines.join('\n')}`);
}

/**
 * Replays `trace` into `detector`: at each frame every speaker's level is added at
 * t = frame × frameMs, and decide(t) runs whenever `decideEveryMs` has elapsed. Returns one
 * decision per change of speaker, the first being the first speaker named.
 */
export function runTrace(detector: SpeakerDetector, trace: TraceInput, decideEveryMs = 50): Decision[] {
  const { frameMs, speakers } = trace;
  const frames = trace.levels[speakers[0]!]!.length;
  const levels = speakers.map((s) => trace.levels[s]!);
  const vad = speakers.map((s) => trace.vad?.[s]);
  const out: Decision[] = [];
  let last: string | null = null;
  let nextDecision = 0;
  for (let f = 0; f < frames; f++) {
    const t = f * frameMs;
    for (let i = 0; i < speakers.length; i++) {
      const v = vad[i]?.[f];
      detector.addLevel(speakers[i]!, levels[i]![f]!, v === 1 || v === true, t);
    }
    if (t < nextDecision) continue;
    while (nextDecision <= t) nextDecision += decideEveryMs;
    const d = detector.decide(t);
    if (d !== last) {
      out.push({ atMs: t, speaker: d });
      last = d;
    }
  }
  return out;
}
