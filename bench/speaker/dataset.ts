// The labelled trace set, from fixed seeds: a training subset (tuning), a dev subset
// (choosing among tuned candidates) and a held-out test subset (reporting), each covering
// 2 to 13 speakers. Generated traces are cached as JSON under os.tmpdir(), keyed by a hash
// of the generator's version and parameters.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_ROOT, hashOf, writeWav } from './audio.js';
import { generateConversation, type ConversationSpec, type GeneratedTrace } from './conversation.js';

/** Bump when the generator changes in a way that changes its output. */
export const GENERATOR_VERSION = 5;

/** train: tuning; dev: choosing among tuned candidates; test: held out, reported. */
export type Subset = 'train' | 'dev' | 'test';

/** Conversations in each subset by default. */
export const DEFAULT_COUNT: Record<Subset, number> = { train: 36, dev: 36, test: 30 };

export function specs(subset: Subset, count = DEFAULT_COUNT[subset]): ConversationSpec[] {
  const base = { train: 1000, test: 2000, dev: 3000 }[subset];
  // Speaker counts cover 2..13 once, then wrap.
  return Array.from({ length: count }, (_, i) => ({ seed: base + i, speakers: 2 + ((i * 7) % 12) }));
}

export function traceDir(): string {
  return join(CACHE_ROOT, `traces-v${GENERATOR_VERSION}`);
}

export async function loadOrGenerate(spec: ConversationSpec, opts: { wavDir?: string } = {}): Promise<GeneratedTrace> {
  const dir = traceDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `conv-${spec.seed}-${spec.speakers}p-${hashOf({ v: GENERATOR_VERSION, spec })}.json`);
  if (existsSync(path) && !opts.wavDir) return JSON.parse(readFileSync(path, 'utf8')) as GeneratedTrace;
  const channels: Array<{ id: string; x: Float32Array }> = [];
  const trace = await generateConversation(spec, opts.wavDir ? (id, x) => channels.push({ id, x }) : undefined);
  if (opts.wavDir) {
    mkdirSync(opts.wavDir, { recursive: true });
    const mix = new Float32Array(channels[0]?.x.length ?? 0);
    for (const c of channels) {
      writeWav(join(opts.wavDir, `conv-${spec.seed}-${c.id}.wav`), c.x);
      for (let i = 0; i < mix.length; i++) mix[i]! += c.x[i]!;
    }
    for (let i = 0; i < mix.length; i++) mix[i] = Math.max(-1, Math.min(1, mix[i]!));
    writeWav(join(opts.wavDir, `conv-${spec.seed}-mix.wav`), mix);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(trace));
  renameSync(tmp, path);
  return trace;
}

/** Generates (or loads) a whole subset, two conversations at a time. */
export async function loadSubset(subset: Subset, count = DEFAULT_COUNT[subset]): Promise<GeneratedTrace[]> {
  const all = specs(subset, count);
  const out: GeneratedTrace[] = new Array(all.length);
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const i = next++;
      out[i] = await loadOrGenerate(all[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}
