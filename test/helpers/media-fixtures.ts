// Test media made on the fly with Debian's espeak-ng and sox: speech and silence as WAV
// files Chromium's fake microphone can play (it loops them).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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
