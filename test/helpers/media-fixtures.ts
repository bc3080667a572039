// Test media made on the fly with Debian's espeak-ng, sox and ffmpeg: speech and silence as
// WAV files Chromium's fake microphone can play, solid-colour Y4M video for its fake camera
// (it loops both), and VP8 in IVF for bots that publish real video (src/bots/media-clip.ts).
// Files are cached in the temp dir across runs, named after what made them.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const dir = join(tmpdir(), 'spaces-test-media');
const run = promisify(execFile);

/**
 * Spoken `text` as 48 kHz mono 16-bit WAV with 0.3 s of silence at both ends, cached by a
 * hash of the text. (The three-argument form is the older, synchronous one.)
 */
export function speechWav(text: string): Promise<string>;
/** Speech as 48 kHz mono 16-bit WAV, with `padSeconds` of silence after it. */
export function speechWav(name: string, text: string, padSeconds?: number): string;
export function speechWav(nameOrText: string, text?: string, padSeconds = 0): string | Promise<string> {
  if (text === undefined) return paddedSpeechWav(nameOrText);
  const name = nameOrText;
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.wav`);
  if (existsSync(out)) return out;
  const raw = join(dir, `${name}.raw.wav`);
  execFileSync('espeak-ng', ['-v', 'en', '-s', '150', '-w', raw, text]);
  const args = [raw, '-r', '48000', '-c', '1', '-b', '16', out, 'norm', '-3'];
  if (padSeconds > 0) args.push('pad', '0', String(padSeconds));
  execFileSync('sox', args);
  return out;
}

export function silenceWav(seconds = 2): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `silence-${seconds}.wav`);
  if (!existsSync(out)) execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', out, 'trim', '0', String(seconds)]);
  return out;
}

/**
 * A solid-colour camera as raw Y4M (4:2:0) for --use-file-for-fake-video-capture, made with
 * ffmpeg's lavfi colour source. `colour` is anything ffmpeg understands: "red", "0x00c000"...
 */
export function colourY4m(colour: string, opts: { width?: number; height?: number; fps?: number; seconds?: number } = {}): string {
  const { width = 640, height = 360, fps = 15, seconds = 2 } = opts;
  mkdirSync(dir, { recursive: true });
  const safe = colour.replace(/[^A-Za-z0-9]/g, '');
  const out = join(dir, `colour-${safe}-${width}x${height}-${fps}-${seconds}.y4m`);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp.y4m`;
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=${colour}:s=${width}x${height}:r=${fps}`,
    '-t',
    String(seconds),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'yuv4mpegpipe',
    tmp,
  ]);
  renameSync(tmp, out);
  return out;
}

async function paddedSpeechWav(text: string): Promise<string> {
  return cached({ kind: 'speech', text, pad: 0.3 }, 'wav', async (out) => {
    const raw = `${out}.raw.wav`;
    try {
      await run('espeak-ng', ['-v', 'en', '-s', '150', '-w', raw, text]);
      await run('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', out, 'norm', '-3', 'pad', '0.3', '0.3']);
    } finally {
      await rm(raw, { force: true });
    }
  });
}

export interface TestPatternOptions {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** A solid colour (anything ffmpeg understands: "red", "0x00c000") instead of the moving test pattern. */
  color?: string;
  /** Temporal noise over the moving pattern: high motion everywhere, an encoder's worst case. */
  motion?: boolean;
}

/**
 * VP8 in IVF, encoded the way a browser's realtime encoder works: no alt-ref frames, no
 * look-ahead, a keyframe every 30 frames (so a clip offers a keyframe to jump to on a PLI).
 */
export async function testPatternIvf(opts: TestPatternOptions = {}): Promise<string> {
  const { width = 640, height = 360, fps = 30, seconds = 4, color, motion = false } = opts;
  const pattern = color ? `color=c=${color}:size=${width}x${height}:rate=${fps}` : `testsrc2=size=${width}x${height}:rate=${fps}`;
  const source = motion ? `${pattern},noise=alls=40:allf=t` : pattern;
  return cached({ kind: 'vp8', source, seconds }, 'ivf', (out) =>
    run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      source,
      '-t',
      String(seconds),
      '-c:v',
      'libvpx',
      '-b:v',
      '800k',
      '-g',
      '30',
      '-keyint_min',
      '30',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-auto-alt-ref',
      '0',
      '-lag-in-frames',
      '0',
      '-f',
      'ivf',
      out,
    ]).then(() => undefined),
  );
}

/**
 * Makes the file once per distinct `params` and reuses it afterwards. It is written under a
 * temporary name and renamed, so that test files running in parallel never read half a file.
 */
async function cached(params: object, ext: string, make: (out: string) => Promise<void>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
  const out = join(dir, `${key}.${ext}`);
  if (existsSync(out)) return out;
  const tmp = join(dir, `${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp.${ext}`);
  try {
    await make(tmp);
    renameSync(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
  return out;
}
