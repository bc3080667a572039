// Whether received stage video is the picture an encoder sent: GStreamer's SMPTE bars, still,
// so every decoded frame should match the bars GStreamer renders within a level or two. A
// picture damaged on the way (slices lost or concealed) is tens of levels off.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Vp8Frame } from '../../src/egress/vp8-frame-assembler.js';
import { writeIvfFileHeader, writeIvfFrameHeader } from '../../src/codecs/ivf.js';

/** Mean luma difference above which a frame is not the bars sent. */
export const GARBLED_LEVELS = 8;

/** The luma of the SMPTE bars as GStreamer renders them at `w`×`h`. */
export function referenceLuma(w: number, h: number): Buffer {
  // prettier-ignore
  const gst = spawnSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=1', 'pattern=smpte', '!',
    `video/x-raw,width=${w},height=${h},format=I420`, '!', 'fdsink', 'fd=1'], { timeout: 20_000, maxBuffer: 4 * w * h });
  // I420 as the encoder gets it (video-range luma, not GRAY8's full range): its Y plane comes first.
  assert.equal(gst.stdout.length, (w * h * 3) / 2, `gst-launch rendered the bars: ${gst.stderr.toString()}`);
  return gst.stdout.subarray(0, w * h);
}

/**
 * ffmpeg decodes the VP8 frames (as IVF): each frame's luma, and whatever it complained about.
 * As I420 (not gray, which swscale would stretch to full range), like the reference.
 */
export function decodeVp8(frames: Vp8Frame[], w: number, h: number): { lumas: Buffer[]; errors: string } {
  const frameBytes = (w * h * 3) / 2;
  const ivf = [writeIvfFileHeader({ fourcc: 'VP80', width: w, height: h, timebaseDen: 30, timebaseNum: 1, frameCount: frames.length })];
  frames.forEach((f, i) => ivf.push(writeIvfFrameHeader(f.data.length, i), f.data));
  // prettier-ignore
  const ffmpeg = spawnSync('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'ivf', '-i', 'pipe:0',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1'],
    { input: Buffer.concat(ivf), timeout: 20_000, maxBuffer: (frames.length + 1) * frameBytes });
  const lumas: Buffer[] = [];
  for (let at = 0; at + frameBytes <= ffmpeg.stdout.length; at += frameBytes) lumas.push(ffmpeg.stdout.subarray(at, at + w * h));
  return { lumas, errors: ffmpeg.stderr.toString() };
}

/**
 * Mean absolute difference of two luma planes, in 8-bit levels, but for the bottom right
 * corner: the SMPTE pattern has random noise there, new in every frame.
 */
export function meanDifference(a: Buffer, b: Buffer, w: number, h: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const end = y >= (h * 3) / 4 ? (w * 3) / 4 : w;
    for (let x = 0; x < end; x++) sum += Math.abs(a[row + x]! - b[row + x]!);
    n += end;
  }
  return sum / n;
}

/** Each frame's mean luma difference from the bars, to a tenth of a level. */
export function differencesFromBars(frames: Vp8Frame[], w: number, h: number): { differences: number[]; errors: string } {
  const { lumas, errors } = decodeVp8(frames, w, h);
  assert.equal(lumas.length, frames.length, `every frame decodes (ffmpeg: ${errors})`);
  const reference = referenceLuma(w, h);
  return { differences: lumas.map((l) => Math.round(meanDifference(l, reference, w, h) * 10) / 10), errors };
}
