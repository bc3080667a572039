// What ffmpeg's HLS muxer writes, by hand: for tests that drive HlsStream without ffmpeg.
import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FFMPEG_PLAYLIST } from '../../src/egress/ffmpeg-hls.js';
import type { LiveRendition } from '../../src/egress/hls-playlist.js';

/** mtimes set by hand: each playlist write gets a new one, whatever the clock's granularity. */
let mtime = 1_600_000_000;

export const segmentName = (r: LiveRendition, i: number) => `${r}-${String(i).padStart(6, '0')}.m4s`;

/**
 * Writes what ffmpeg has written after `durations.length` segments of rendition `r`: every one
 * of them, or with `listSize` only the latest (numbered from EXT-X-MEDIA-SEQUENCE).
 */
export async function ffmpegWrites(
  dir: string,
  r: LiveRendition,
  durations: number[],
  opts: { map?: boolean; ended?: boolean; listSize?: number } = {},
): Promise<void> {
  const first = opts.listSize ? Math.max(0, durations.length - opts.listSize) : 0;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${first}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (opts.map !== false) lines.push(`#EXT-X-MAP:URI="init-${r}.mp4"`);
  for (let i = first; i < durations.length; i++) lines.push(`#EXTINF:${durations[i]!.toFixed(6)},`, segmentName(r, i));
  if (opts.ended) lines.push('#EXT-X-ENDLIST');
  await writeFile(join(dir, `init-${r}.mp4`), `init ${r}`);
  for (let i = first; i < durations.length; i++) {
    const f = join(dir, segmentName(r, i));
    if (!existsSync(f)) await writeFile(f, `${r} ${i}`);
  }
  const path = join(dir, FFMPEG_PLAYLIST[r]);
  await writeFile(path, lines.join('\n') + '\n');
  mtime += 1;
  await utimes(path, mtime, mtime);
}
