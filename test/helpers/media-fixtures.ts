// Test media made on the fly with Debian's espeak-ng, sox and ffmpeg: speech and silence as
// WAV files Chromium's fake microphone can play, and solid-colour Y4M video for its fake
// camera (it loops both).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = join(tmpdir(), 'spaces-test-media');

/** Speech as 48 kHz mono 16-bit WAV, with `padSeconds` of silence after it. */
export function speechWav(name: string, text: string, padSeconds = 0): string {
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
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=${colour}:s=${width}x${height}:r=${fps}`,
    '-t', String(seconds), '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', tmp,
  ]);
  renameSync(tmp, out);
  return out;
}
