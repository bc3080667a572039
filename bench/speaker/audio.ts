// Sound sources for the speaker bench: espeak-ng for speech, sox for noise beds, coughs,
// breaths and keyboard clicks. Every rendered sound is cached on disk under os.tmpdir(),
// keyed by a hash of its recipe, so a rerun spawns no process at all.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

export const SAMPLE_RATE = 22050; // espeak-ng's native rate: no resampling anywhere

export const CACHE_ROOT = join(tmpdir(), 'spaces-speaker-bench');
const SOUND_DIR = join(CACHE_ROOT, 'sounds');

export function hashOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------------------------------
// WAV (16-bit PCM mono) in and out

export function readWav(path: string): Float32Array {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a WAV file`);
  }
  let off = 12;
  let channels = 1;
  let bits = 16;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      channels = buf.readUInt16LE(body + 2);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      // Streaming writers may leave the size unset: take what is there.
      if (size === 0 || size > buf.length - body) size = buf.length - body;
      if (bits !== 16 || channels !== 1) throw new Error(`${path}: want 16-bit mono, got ${bits}-bit x${channels}`);
      const n = Math.floor(size / 2);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(body + 2 * i) / 32768;
      return out;
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

export function writeWav(path: string, samples: Float32Array, rate = SAMPLE_RATE): void {
  const buf = Buffer.alloc(44 + samples.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples.length * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    buf.writeInt16LE(Math.round(s * 32767), 44 + 2 * i);
  }
  writeFileSync(path, buf);
}

// ---------------------------------------------------------------------------------------
// Running the tools, a few at a time

const MAX_PROCS = Math.max(2, availableParallelism() * 2);
let running = 0;
const waiting: Array<() => void> = [];

async function run(cmd: string, args: string[]): Promise<void> {
  if (running >= MAX_PROCS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve();
        else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const memo = new Map<string, Promise<Float32Array>>();

/** Renders `recipe` once (to a cached WAV) and returns its samples. */
function cached(recipe: unknown, render: (path: string) => Promise<void>): Promise<Float32Array> {
  const key = hashOf(recipe);
  let p = memo.get(key);
  if (!p) {
    p = (async () => {
      mkdirSync(SOUND_DIR, { recursive: true });
      const path = join(SOUND_DIR, `${key}.wav`);
      if (!existsSync(path)) {
        const tmp = join(SOUND_DIR, `${key}.${process.pid}.tmp.wav`);
        await render(tmp);
        renameSync(tmp, path);
      }
      return readWav(path);
    })();
    memo.set(key, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------
// Speech

export interface Voice {
  /** espeak-ng voice, e.g. "en-us", "en+f3", "en-gb-scotland+m3". */
  name: string;
  /** Words per minute. */
  speed: number;
  /** 0..99. */
  pitch: number;
  /** Pause between words, in units of 10 ms. */
  wordGap: number;
}

/** Speech for `text`, with the leading and trailing silence espeak-ng adds trimmed off. */
export async function speech(voice: Voice, text: string): Promise<Float32Array> {
  const raw = await cached({ k: 'espeak', voice, text }, (path) =>
    run('espeak-ng', ['-v', voice.name, '-s', String(voice.speed), '-p', String(voice.pitch), '-g', String(voice.wordGap), '-w', path, text]),
  );
  return trimSilence(raw, 1e-3);
}

function trimSilence(x: Float32Array, threshold: number): Float32Array {
  let a = 0;
  let b = x.length;
  while (a < b && Math.abs(x[a]!) < threshold) a++;
  while (b > a && Math.abs(x[b - 1]!) < threshold) b--;
  return x.subarray(a, b);
}

// ---------------------------------------------------------------------------------------
// Noises, all from `sox -R -n ... synth` (-R: sox's own noise generator is seeded, so the
// sounds are the same on every machine; variants take different stretches of that noise).

function soxSynth(recipe: string[]): Promise<Float32Array> {
  return cached({ k: 'sox', recipe }, (path) =>
    run('sox', ['-R', '-n', '-r', String(SAMPLE_RATE), '-b', '16', '-e', 'signed-integer', '-c', '1', path, ...recipe]),
  );
}

export type NoiseKind = 'brown' | 'pink' | 'white' | 'hum';

/** A stationary noise bed of `seconds`, peak-normalised by sox (we set its level ourselves). */
export function noiseBed(kind: NoiseKind, seconds: number): Promise<Float32Array> {
  const s = String(seconds);
  switch (kind) {
    case 'brown':
      return soxSynth(['synth', s, 'brownnoise', 'highpass', '40', 'norm', '-3']);
    case 'pink':
      return soxSynth(['synth', s, 'pinknoise', 'lowpass', '6000', 'norm', '-3']);
    case 'white':
      // A fan or an air conditioner: broadband with a low-frequency hump.
      return soxSynth(['synth', s, 'whitenoise', 'lowpass', '3000', 'bass', '+6', 'norm', '-3']);
    case 'hum':
      // Mains hum under pink noise.
      return soxSynth(['synth', s, 'pinknoise', 'synth', s, 'sine', 'mix', '50', 'norm', '-3']);
  }
}

/** Skips `variant` × 37 ms of the generator's noise so variants differ. */
const skip = (variant: number, seconds: string): string[] => ['trim', (variant * 0.037).toFixed(3), seconds];

/**
 * A cough: a burst of shaped noise, a fast attack and a longer decay, band-limited around a
 * throat resonance. 150–400 ms.
 */
export function cough(durationMs: number, centreHz: number, variant: number): Promise<Float32Array> {
  const d = (durationMs / 1000).toFixed(3);
  const decay = ((durationMs * 0.7) / 1000).toFixed(3);
  return soxSynth([
    'synth',
    String(2 + variant * 0.037),
    'pinknoise',
    ...skip(variant, d),
    'band',
    `${centreHz}`,
    `${Math.round(centreHz * 0.8)}`,
    'overdrive',
    '8',
    'fade',
    'q',
    '0.008',
    d,
    decay,
    'norm',
    '-1',
  ]);
}

/** One keyboard click: 5–15 ms of high-passed noise with a sharp decay. */
export function click(durationMs: number, variant: number): Promise<Float32Array> {
  const d = (durationMs / 1000).toFixed(4);
  return soxSynth([
    'synth',
    String(2 + variant * 0.037),
    'whitenoise',
    ...skip(variant, d),
    'highpass',
    '1500',
    'fade',
    'l',
    '0.0005',
    d,
    ((durationMs * 0.8) / 1000).toFixed(4),
    'norm',
    '-1',
  ]);
}

/** A breath: soft, band-limited noise with slow fades. */
export function breath(durationMs: number, variant: number): Promise<Float32Array> {
  const d = (durationMs / 1000).toFixed(3);
  return soxSynth([
    'synth',
    String(2 + variant * 0.037),
    'pinknoise',
    ...skip(variant, d),
    'band',
    '1400',
    '1200',
    'fade',
    'h',
    ((durationMs * 0.4) / 1000).toFixed(3),
    d,
    ((durationMs * 0.5) / 1000).toFixed(3),
    'norm',
    '-1',
  ]);
}

// ---------------------------------------------------------------------------------------
// Levels

/** RMS over the loudest half of the 20 ms frames: the level of the active speech, not of the gaps. */
export function activeRms(x: Float32Array, frame = SAMPLE_RATE / 50): number {
  const energies: number[] = [];
  for (let i = 0; i + frame <= x.length; i += frame) {
    let e = 0;
    for (let j = i; j < i + frame; j++) e += x[j]! * x[j]!;
    energies.push(e / frame);
  }
  if (energies.length === 0) return rms(x);
  energies.sort((a, b) => b - a);
  const top = energies.slice(0, Math.max(1, Math.ceil(energies.length / 2)));
  return Math.sqrt(top.reduce((a, b) => a + b, 0) / top.length);
}

export function rms(x: Float32Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return Math.sqrt(e / Math.max(1, x.length));
}

export const dbToGain = (db: number): number => Math.pow(10, db / 20);
