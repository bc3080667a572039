// The picture the HLS video variant shows while nobody on stage has a camera on: one VP8
// keyframe of a plain card, made once per size by ffmpeg and repeated a few times a second.
// (The encoder needs a steady video input; a stalled input would hold back the audio too.)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readIvf } from '../codecs/ivf.js';
import { IDLE_CARD_COLOR } from './idle-card.js';

const run = promisify(execFile);
const cache = new Map<string, Promise<Buffer>>();

export function idleFrame(ffmpegPath: string, width: number, height: number, color = IDLE_CARD_COLOR): Promise<Buffer> {
  const key = `${ffmpegPath}:${width}x${height}:${color}`;
  let frame = cache.get(key);
  if (!frame) {
    frame = makeFrame(ffmpegPath, width, height, color);
    frame.catch(() => cache.delete(key));
    cache.set(key, frame);
  }
  return frame;
}

async function makeFrame(ffmpegPath: string, width: number, height: number, color: string): Promise<Buffer> {
  const { stdout } = await run(
    ffmpegPath,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `color=c=${color}:s=${width}x${height}:d=1`,
      '-frames:v',
      '1',
      '-c:v',
      'libvpx',
      '-f',
      'ivf',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024 },
  );
  const { frames } = readIvf(stdout);
  if (frames.length === 0) throw new Error('ffmpeg produced no idle frame');
  return Buffer.from(frames[0]!.data);
}
