// Reading live HLS as a player would, with Debian's ffmpeg: the audio decoded to PCM, one
// frame's detail, and loudness over windows.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Decodes `seconds` of an HLS stream's audio to 8 kHz mono s16 with ffmpeg, as a player would fetch it. */
export async function hlsAudio(url: string, seconds: number): Promise<Int16Array> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-live_start_index',
      '-3',
      '-i',
      url,
      '-t',
      String(seconds),
      '-map',
      '0:a',
      '-ac',
      '1',
      '-ar',
      '8000',
      '-f',
      's16le',
      'pipe:1',
    ],
    {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    },
  );
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.length >> 1);
}

/**
 * The first frame of an HLS stream's newest video segment, scaled to width×height and decoded
 * to 8-bit grey pixels (one byte each), as a player joining at the live edge would show it.
 */
export async function newestVideoFrameGray(url: string, width: number, height: number, timeoutMs = 60_000): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-live_start_index',
      '-1',
      '-i',
      url,
      '-map',
      '0:v',
      '-frames:v',
      '1',
      '-vf',
      `scale=${width}:${height},format=gray`,
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { encoding: 'buffer', timeout: timeoutMs },
  );
  return stdout;
}

/** Standard deviation of the luma of one frame of the newest video segments: a flat card is ~0. */
export async function videoDetail(url: string): Promise<number> {
  const pixels = await newestVideoFrameGray(url, 160, 90);
  let sum = 0;
  for (const v of pixels) sum += v;
  const mean = sum / pixels.length;
  let sq = 0;
  for (const v of pixels) sq += (v - mean) ** 2;
  return Math.sqrt(sq / pixels.length);
}

export function rmsWindows(pcm: Int16Array, rate: number, windowMs: number): number[] {
  const n = Math.floor((rate * windowMs) / 1000);
  const out: number[] = [];
  for (let at = 0; at + n <= pcm.length; at += n) {
    let s = 0;
    for (let i = at; i < at + n; i++) s += pcm[i]! ** 2;
    out.push(Math.sqrt(s / n));
  }
  return out;
}

/** The duration ffprobe reads from a (VOD) playlist, in seconds. */
export async function probeDuration(url: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', url]);
  return Number(stdout.trim());
}
