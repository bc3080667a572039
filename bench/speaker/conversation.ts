// Plans and renders one synthetic multi-party conversation, and turns each participant's
// microphone channel into what the server would see: one RFC 6464 level and V bit per 20 ms.
//
// Ground truth is who holds the floor: the speaker of the current long turn. A turn starts
// at the first word of its speaker and lasts until the next turn starts. Backchannels,
// coughs, breaths, keyboard noise and the tail of an interrupted speaker never change it;
// an interruption that becomes a turn changes it at the interrupter's first word.
import { SAMPLE_RATE, activeRms, breath, click, cough, dbToGain, noiseBed, rms, speech, type NoiseKind, type Voice } from './audio.js';
import { BACKCHANNELS, SENTENCES, SHORT_SENTENCES, VOICE_NAMES, voiceOf } from './corpus.js';
import { Rng } from './prng.js';

export const FRAME_MS = 20;
const FRAME = (SAMPLE_RATE * FRAME_MS) / 1000;
/** The active speech level of every talker before their microphone gain, in dBov. */
const SPEECH_DBOV = -22;

export type EventKind = 'speech' | 'backchannel' | 'cough' | 'keyboard' | 'breath';

export interface Turn {
  speaker: string;
  startMs: number;
  /** End of the turn's last word (the floor is held until the next turn starts). */
  speechEndMs: number;
  how: 'first' | 'gap' | 'overlap' | 'interruption';
}

export interface EventSpan {
  speaker: string;
  kind: EventKind;
  startMs: number;
  endMs: number;
}

export interface SpeakerSetup {
  id: string;
  voice: Voice;
  micGainDb: number;
  /** Active speech level over the noise floor; null for digital silence (noise suppression). */
  snrDb: number | null;
  noise: NoiseKind;
  typist: boolean;
}

export interface ConversationSpec {
  seed: number;
  speakers: number;
}

export interface GeneratedTrace {
  frameMs: number;
  speakers: string[];
  levels: Record<string, number[]>;
  vad: Record<string, number[]>;
  // Everything below is ignored by the trace schema: it is for the bench.
  seed: number;
  durationMs: number;
  turns: Turn[];
  events: EventSpan[];
  setup: SpeakerSetup[];
}

interface Placed {
  speaker: number;
  kind: EventKind;
  startMs: number;
  samples: Float32Array;
  /** Target level of the sound relative to the talker's speech level, dB. */
  relDb: number;
  /** How the level is measured: active speech level, or plain RMS (short sounds). */
  measure: 'active' | 'rms';
}

const durMs = (x: Float32Array): number => (x.length / SAMPLE_RATE) * 1000;

/** A count of events around `expected` (±40 %), rounded at random. */
const countFor = (rng: Rng, expected: number): number => Math.floor(expected * rng.uniform(0.6, 1.4) + rng.next());

/** Plans the conversation: who says what when, with every sound's samples. */
async function plan(spec: ConversationSpec): Promise<{
  setup: SpeakerSetup[];
  turns: Turn[];
  placed: Placed[];
  durationMs: number;
  noiseOffsets: number[];
}> {
  const rng = new Rng(spec.seed * 7919 + 17);
  const n = spec.speakers;
  const targetMs = rng.uniform(30_000, 90_000);

  const setup: SpeakerSetup[] = [];
  const voicesLeft = [...VOICE_NAMES];
  for (let k = 0; k < n; k++) {
    const name = voicesLeft.splice(rng.int(0, voicesLeft.length - 1), 1)[0] ?? rng.pick(VOICE_NAMES);
    const suppressed = rng.chance(0.15);
    setup.push({
      id: String.fromCharCode(97 + k),
      voice: voiceOf(name, rng.int(135, 195), rng.int(25, 75), rng.int(0, 3)),
      micGainDb: Math.round(rng.uniform(-15, 6) * 10) / 10,
      snrDb: suppressed ? null : Math.round(rng.uniform(12, 45) * 10) / 10,
      noise: rng.pick<NoiseKind>(['brown', 'pink', 'white', 'hum']),
      typist: rng.chance(0.3),
    });
  }
  // Who talks: a few people hold the floor most of the time, as on any stage.
  const order = Array.from({ length: n }, (_, k) => k);
  for (let k = n - 1; k > 0; k--) {
    const j = rng.int(0, k);
    [order[k], order[j]] = [order[j]!, order[k]!];
  }
  const weights = new Array<number>(n).fill(0);
  order.forEach((k, rank) => (weights[k] = 1 / Math.pow(1 + rank, 0.9)));

  const placed: Placed[] = [];
  const turns: Turn[] = [];
  let t = rng.uniform(500, 2500);
  let cur = rng.weighted(weights);
  let how: Turn['how'] = 'first';

  while (t < targetMs) {
    const voice = setup[cur]!.voice;
    // The turn's sentences, with pauses (sometimes a breath) between them.
    const style = rng.next();
    const sentences: string[] = [];
    if (style < 0.25) sentences.push(rng.pick(SHORT_SENTENCES));
    else {
      const count = style < 0.8 ? rng.int(1, 2) : rng.int(3, 4);
      for (let i = 0; i < count; i++) sentences.push(rng.pick(SENTENCES));
    }
    const turnEvents: Placed[] = [];
    let s = t;
    for (let i = 0; i < sentences.length; i++) {
      const clip = await speech(voice, sentences[i]!);
      turnEvents.push({ speaker: cur, kind: 'speech', startMs: s, samples: clip, relDb: 0, measure: 'active' });
      s += durMs(clip);
      if (i < sentences.length - 1) {
        const pause = rng.uniform(150, 900);
        if (pause > 450 && rng.chance(0.4)) {
          const b = await breath(Math.round(rng.uniform(250, pause - 150) / 10) * 10, rng.int(0, 20));
          turnEvents.push({ speaker: cur, kind: 'breath', startMs: s + 60, samples: b, relDb: rng.uniform(-25, -12), measure: 'rms' });
        }
        s += pause;
      }
    }
    let speechEnd = s;

    // How the floor passes to the next speaker.
    const weightsNext = weights.map((w, k) => (k === cur ? 0 : Math.pow(w, 0.7)));
    const next = rng.weighted(weightsNext);
    const r = rng.next();
    let nextStart: number;
    let nextHow: Turn['how'];
    if (r < 0.2 && speechEnd - t > 3000) {
      // An interruption: the next speaker starts mid-turn and the current one gives up
      // 0.3–1.5 s later, mid-word.
      nextHow = 'interruption';
      nextStart = t + rng.uniform(1500, speechEnd - t - 800);
      const cut = nextStart + rng.uniform(300, 1500);
      for (let i = turnEvents.length - 1; i >= 0; i--) {
        const e = turnEvents[i]!;
        if (e.startMs >= cut) turnEvents.splice(i, 1);
        else if (e.startMs + durMs(e.samples) > cut) {
          const keep = Math.round(((cut - e.startMs) / 1000) * SAMPLE_RATE);
          const cutClip = e.samples.slice(0, keep);
          const fade = Math.min(keep, Math.round(SAMPLE_RATE * 0.03));
          for (let j = 0; j < fade; j++) cutClip[keep - 1 - j]! *= j / fade;
          e.samples = cutClip;
        }
      }
      speechEnd = cut;
    } else if (r < 0.45) {
      nextHow = 'overlap';
      nextStart = Math.max(t + 800, speechEnd - rng.uniform(0, 600));
    } else {
      nextHow = 'gap';
      nextStart = speechEnd + rng.uniform(150, 1500);
    }
    turns.push({ speaker: setup[cur]!.id, startMs: Math.round(t), speechEndMs: Math.round(speechEnd), how });
    placed.push(...turnEvents);

    // Backchannels from the listeners while the floor is held: about one every 4 s, some
    // over the speech, some in its pauses; one at a time per listener, at most 0.9 s long.
    // Never by the next speaker just before their turn.
    const spanEnd = Math.min(speechEnd, nextStart) - 200;
    const bcCount = countFor(rng, (spanEnd - t) / 4000);
    const busyUntil = new Map<number, number>();
    for (let i = 0; i < bcCount && n > 1; i++) {
      const who = rng.weighted(weights.map((w, k) => (k === cur ? 0 : Math.pow(w, 0.5))));
      const at = rng.uniform(t + 400, spanEnd);
      if (who === next && at > nextStart - 1500) continue;
      if (at >= spanEnd || at < (busyUntil.get(who) ?? -Infinity)) continue;
      const clip = await speech(setup[who]!.voice, rng.pick(BACKCHANNELS));
      if (durMs(clip) > 900) continue;
      busyUntil.set(who, at + durMs(clip) + 1500);
      placed.push({ speaker: who, kind: 'backchannel', startMs: at, samples: clip, relDb: rng.uniform(-8, 2), measure: 'active' });
    }
    // Sometimes a listener acknowledges the end of the turn ("yeah", "right") in the gap
    // before the next speaker starts: the floor does not move for that either.
    if (nextHow === 'gap' && nextStart - speechEnd > 700 && n > 2 && rng.chance(0.3)) {
      const who = rng.weighted(weights.map((w, k) => (k === cur || k === next ? 0 : Math.pow(w, 0.5))));
      const clip = await speech(setup[who]!.voice, rng.pick(BACKCHANNELS));
      const at = speechEnd + rng.uniform(50, 300);
      if (durMs(clip) <= 900 && at + durMs(clip) < nextStart - 150 && at >= (busyUntil.get(who) ?? -Infinity)) {
        placed.push({ speaker: who, kind: 'backchannel', startMs: at, samples: clip, relDb: rng.uniform(-8, 2), measure: 'active' });
      }
    }
    // A breath before taking the floor, sometimes.
    if (rng.chance(0.5)) {
      const b = await breath(Math.round(rng.uniform(300, 600) / 10) * 10, rng.int(0, 20));
      const at = nextStart - durMs(b) - rng.uniform(50, 250);
      if (at > 0) placed.push({ speaker: next, kind: 'breath', startMs: at, samples: b, relDb: rng.uniform(-25, -12), measure: 'rms' });
    }
    t = nextStart;
    cur = next;
    how = nextHow;
  }
  const lastEnd = Math.max(...placed.filter((p) => p.kind === 'speech').map((p) => p.startMs + durMs(p.samples)));
  const durationMs = Math.ceil((lastEnd + 1500) / FRAME_MS) * FRAME_MS;
  // The last planned turn start may lie beyond the last word: drop turns that never started.
  while (turns.length > 0 && turns[turns.length - 1]!.startMs >= lastEnd) turns.pop();

  // Coughs: anyone, any time, single or double, from well under to well over speech level.
  const coughCount = countFor(rng, durationMs / 10_000);
  for (let i = 0; i < coughCount; i++) {
    const who = rng.int(0, n - 1);
    let at = rng.uniform(0, durationMs - 1000);
    const relDb = rng.uniform(-10, 10);
    const times = rng.chance(0.3) ? 2 : 1;
    for (let j = 0; j < times; j++) {
      const d = Math.round(rng.uniform(150, 400) / 10) * 10;
      const c = await cough(d, rng.pick([500, 700, 900, 1200]), rng.int(0, 30));
      placed.push({ speaker: who, kind: 'cough', startMs: at, samples: c, relDb: relDb + rng.uniform(-2, 2), measure: 'rms' });
      at += d + rng.uniform(80, 250);
    }
  }
  // Keyboards: typists type in sessions of 2–10 s, never while they hold the floor.
  const clicks = await Promise.all([5, 8, 10, 12, 15].map((d, v) => click(d, v)));
  for (let k = 0; k < n; k++) {
    if (!setup[k]!.typist) continue;
    const sessions = countFor(rng, durationMs / 25_000);
    for (let i = 0; i < sessions; i++) {
      const start = rng.uniform(0, durationMs - 3000);
      const end = Math.min(durationMs - 500, start + rng.uniform(2000, 10_000));
      const own = turns.some((tu) => tu.speaker === setup[k]!.id && tu.startMs < end + 500 && tu.speechEndMs > start - 500);
      if (own) continue;
      const rate = rng.uniform(5, 10);
      const relDb = rng.uniform(-25, 0);
      for (let at = start; at < end; at += (1000 / rate) * rng.uniform(0.6, 1.4)) {
        placed.push({ speaker: k, kind: 'keyboard', startMs: at, samples: rng.pick(clicks), relDb: relDb + rng.uniform(-4, 4), measure: 'rms' });
      }
    }
  }
  // Listeners breathe too.
  const breaths = countFor(rng, durationMs / 15_000);
  for (let i = 0; i < breaths; i++) {
    const b = await breath(Math.round(rng.uniform(300, 700) / 10) * 10, rng.int(0, 20));
    placed.push({
      speaker: rng.int(0, n - 1),
      kind: 'breath',
      startMs: rng.uniform(0, durationMs - 1000),
      samples: b,
      relDb: rng.uniform(-25, -10),
      measure: 'rms',
    });
  }
  const noiseOffsets = setup.map(() => rng.next());
  return { setup, turns, placed, durationMs, noiseOffsets };
}

/** Plans, renders and measures a conversation. `onChannel` gets each microphone signal (for listening). */
export async function generateConversation(spec: ConversationSpec, onChannel?: (id: string, samples: Float32Array) => void): Promise<GeneratedTrace> {
  const { setup, turns, placed, durationMs, noiseOffsets } = await plan(spec);
  const total = Math.round((durationMs / 1000) * SAMPLE_RATE);
  const frames = Math.floor(total / FRAME);
  const speechRef = dbToGain(SPEECH_DBOV);
  const levels: Record<string, number[]> = {};
  const vad: Record<string, number[]> = {};
  const bedCache = new Map<NoiseKind, Float32Array>();
  const levelOf = new WeakMap<Float32Array, number>();

  for (let k = 0; k < setup.length; k++) {
    const sp = setup[k]!;
    const x = new Float32Array(total);
    for (const p of placed) {
      if (p.speaker !== k) continue;
      let lvl = levelOf.get(p.samples);
      if (lvl === undefined) {
        lvl = p.measure === 'active' ? activeRms(p.samples) : rms(p.samples);
        levelOf.set(p.samples, lvl);
      }
      const g = (speechRef * dbToGain(p.relDb)) / Math.max(lvl, 1e-9);
      const at = Math.round((p.startMs / 1000) * SAMPLE_RATE);
      const end = Math.min(total, at + p.samples.length);
      for (let i = Math.max(0, at); i < end; i++) x[i]! += g * p.samples[i - at]!;
    }
    if (sp.snrDb !== null) {
      let bed = bedCache.get(sp.noise);
      if (!bed) {
        bed = await noiseBed(sp.noise, 20);
        bedCache.set(sp.noise, bed);
      }
      const g = (speechRef * dbToGain(-sp.snrDb)) / rms(bed);
      const off = Math.floor(noiseOffsets[k]! * bed.length);
      for (let i = 0; i < total; i++) x[i]! += g * bed[(i + off) % bed.length]!;
    }
    const mic = dbToGain(sp.micGainDb);
    for (let i = 0; i < total; i++) x[i] = Math.max(-1, Math.min(1, x[i]! * mic));
    onChannel?.(sp.id, x);
    const lv = new Array<number>(frames);
    for (let f = 0; f < frames; f++) {
      let e = 0;
      for (let i = f * FRAME; i < (f + 1) * FRAME; i++) e += x[i]! * x[i]!;
      const r = Math.sqrt(e / FRAME);
      // RFC 6464: -dBov of the frame, 0 (loudest) .. 127 (silence).
      lv[f] = r <= 0 ? 127 : Math.max(0, Math.min(127, Math.round(-20 * Math.log10(r))));
    }
    levels[sp.id] = lv;
    vad[sp.id] = browserVad(lv);
  }

  const events: EventSpan[] = placed
    .map((p) => ({ speaker: setup[p.speaker]!.id, kind: p.kind, startMs: Math.round(p.startMs), endMs: Math.round(p.startMs + durMs(p.samples)) }))
    .sort((a, b) => a.startMs - b.startMs);
  return {
    frameMs: FRAME_MS,
    speakers: setup.map((s) => s.id),
    levels,
    vad,
    seed: spec.seed,
    durationMs: frames * FRAME_MS,
    turns,
    events,
    setup,
  };
}

/**
 * A stand-in for the sender's V bit: an energy detector over its own noise floor with a
 * short hangover. Like a browser's, it fires on coughs and clicks as readily as on words.
 */
function browserVad(levels: number[]): number[] {
  const out = new Array<number>(levels.length);
  let floor = 127;
  let hang = 0;
  for (let i = 0; i < levels.length; i++) {
    const db = -levels[i]!;
    const floorDb = -floor;
    if (db < floorDb) floor = levels[i]!;
    else floor = Math.max(0, floor - 0.05); // rises 2.5 dB/s
    if (db > -floor + 9 && db > -80) hang = 8;
    out[i] = hang > 0 ? 1 : 0;
    if (hang > 0) hang--;
  }
  return out;
}
