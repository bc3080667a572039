// Benchmark: what one more HLS segment costs the origin at minute 1 and at hour 3.
//
//   npm run bench:hls-follow [-- --segments 400]
//
// With 1 s segments, minute 1 is 60 segments into a run and hour 3 is 10,800. For each, a
// synthetic run directory is set up as ffmpeg leaves it, then `--segments` more segments are
// added one at a time, each followed by what the origin does for it:
//   follower: HlsStream reads ffmpeg's playlist and serves its window. Ours: ffmpeg lists its
//     latest FFMPEG_LIST_SIZE segments. Baseline (same run): ffmpeg listing every segment, as
//     it did with -hls_list_size 0 (the follower then reads and parses all of it).
//   recorder: the recording keeps the segment. Ours: Recorder appends a line to its log and
//     its EVENT playlist. Baseline: the former Recorder's work, rewriting both playlists and
//     the whole JSON manifest for every segment.
// CPU is this process's (user + system) per segment, in microseconds; bytes are what was
// written per segment. Prints a table and a JSON line.
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HlsStream } from '../src/egress/hls-stream.js';
import { FFMPEG_LIST_SIZE, FFMPEG_PLAYLIST } from '../src/egress/ffmpeg-hls.js';
import { Recorder } from '../src/egress/recorder.js';
import { renderRecordingPlaylist, type ServedSegment } from '../src/egress/hls-playlist.js';
import { parseCommandLine } from '../src/cli/args.js';

const { flags } = parseCommandLine(process.argv.slice(2), { segments: 'string' });
const MEASURED = Number(flags.segments ?? 400);
const AT = [
  { label: 'minute 1', segments: 60 },
  { label: 'hour 3', segments: 10_800 },
];
const T0 = Date.UTC(2026, 0, 1);
const root = mkdtempSync(join(tmpdir(), 'bench-hls-follow-'));
let mtime = 1_700_000_000;

const segName = (i: number) => `audio-${String(i).padStart(6, '0')}.m4s`;

/** ffmpeg's audio playlist after `count` segments, listing the latest `listSize` (0: all). */
function ffmpegPlaylist(count: number, listSize: number): string {
  const first = listSize > 0 ? Math.max(0, count - listSize) : 0;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:1',
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MAP:URI="init-audio.mp4"',
  ];
  for (let i = first; i < count; i++) lines.push('#EXTINF:1.000000,', segName(i));
  return lines.join('\n') + '\n';
}

function writePlaylist(dir: string, text: string): void {
  const path = join(dir, FFMPEG_PLAYLIST.audio);
  writeFileSync(path, text);
  utimesSync(path, ++mtime, mtime);
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU per segment of the follower, with ffmpeg listing `listSize` segments (0: all). */
async function follower(start: number, listSize: number): Promise<{ cpuUs: number; bytes: number }> {
  const dir = join(root, `follow-${start}-${listSize}`);
  await mkdir(dir, { recursive: true });
  writeFileSync(join(dir, 'init-audio.mp4'), 'init');
  const stream = new HlsStream({
    dir,
    uriPrefix: 'r1/',
    startedAtMs: T0,
    windowSegments: 6,
    keepBehind: 6,
    mediaSequenceBase: { audio: 0, video: 0 },
    targetSeconds: { audio: 1, video: 1, low: 2 },
    discontinuitySequence: 0,
  });
  writePlaylist(dir, ffmpegPlaylist(start, listSize));
  await stream.poll();
  let cpu = 0;
  let bytes = 0;
  for (let n = start + 1; n <= start + MEASURED; n++) {
    writeFileSync(join(dir, segName(n - 1)), 'x');
    const text = ffmpegPlaylist(n, listSize);
    bytes += text.length;
    writePlaylist(dir, text);
    const before = cpuMicros();
    await stream.poll();
    cpu += cpuMicros() - before;
  }
  await stream.close(true);
  return { cpuUs: cpu / MEASURED, bytes: bytes / MEASURED };
}

const served = (i: number): ServedSegment => ({
  uri: `r1-audio-${String(i).padStart(6, '0')}.m4s`,
  duration: 1,
  wallStartMs: T0 + i * 1000,
  map: 'r1-init-audio.mp4',
});

/** CPU per segment of keeping segments in a recording that already holds `start`: ours. */
async function recorder(start: number): Promise<{ cpuUs: number; bytes: number }> {
  const dir = join(root, `rec-${start}`);
  const live = join(root, `rec-live-${start}`);
  await mkdir(live, { recursive: true });
  writeFileSync(join(live, 'init-audio.mp4'), 'init');
  // A recording of `start` segments, as the log holds them.
  await mkdir(dir, { recursive: true });
  writeFileSync(join(dir, 'segments.jsonl'), Array.from({ length: start }, (_, i) => `${JSON.stringify({ r: 'audio', ...served(i) })}\n`).join(''));
  const rec = await Recorder.open(dir, { segmentSeconds: 1 });
  let cpu = 0;
  const sizeBefore = filesBytes(dir);
  for (let i = start; i < start + MEASURED; i++) {
    const file = join(live, segName(i));
    writeFileSync(file, 'x');
    const before = cpuMicros();
    await rec.add('audio', 'r1', file, join(live, 'init-audio.mp4'), served(i));
    cpu += cpuMicros() - before;
  }
  // The log and the EVENT playlists are only appended to: their growth is what was written.
  const bytes = (filesBytes(dir) - sizeBefore) / MEASURED;
  return { cpuUs: cpu / MEASURED, bytes };
}

function filesBytes(dir: string): number {
  return ['segments.jsonl', 'audio.m3u8', 'video.m3u8'].reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** The former Recorder's per-segment work: both playlists and the whole manifest, rewritten. */
async function recorderBaseline(start: number): Promise<{ cpuUs: number; bytes: number }> {
  const dir = join(root, `recbase-${start}`);
  await mkdir(dir, { recursive: true });
  const manifest = { segments: { audio: Array.from({ length: start }, (_, i) => served(i)), video: [] as ServedSegment[] }, final: false };
  let cpu = 0;
  let bytes = 0;
  for (let i = start; i < start + MEASURED; i++) {
    const before = cpuMicros();
    manifest.segments.audio.push(served(i));
    for (const r of ['audio', 'video'] as const) {
      const text = renderRecordingPlaylist(manifest.segments[r], false);
      bytes += text.length;
      await writeFile(join(dir, `${r}.m3u8.tmp`), text);
      await rename(join(dir, `${r}.m3u8.tmp`), join(dir, `${r}.m3u8`));
    }
    const json = JSON.stringify(manifest);
    bytes += json.length;
    await writeFile(join(dir, 'segments.json.tmp'), json);
    await rename(join(dir, 'segments.json.tmp'), join(dir, 'segments.json'));
    cpu += cpuMicros() - before;
  }
  return { cpuUs: cpu / MEASURED, bytes: bytes / MEASURED };
}

const rows: Array<Record<string, string | number>> = [];
type Costs = Record<'follower' | 'followerBaseline' | 'recorder' | 'recorderBaseline', { cpuUs: number; bytes: number }>;
const result: Record<string, Costs> = {};
try {
  for (const at of AT) {
    const r = {
      follower: await follower(at.segments, FFMPEG_LIST_SIZE),
      followerBaseline: await follower(at.segments, 0),
      recorder: await recorder(at.segments),
      recorderBaseline: await recorderBaseline(at.segments),
    };
    result[at.label] = r;
    for (const [what, v] of Object.entries(r)) rows.push({ at: at.label, what, 'cpu µs/segment': v.cpuUs.toFixed(1), 'bytes/segment': Math.round(v.bytes) });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

console.table(rows);
const ratio = (what: keyof Costs) => result['hour 3']![what].cpuUs / result['minute 1']![what].cpuUs;
const summary = {
  bench: 'hls-follow',
  measuredSegments: MEASURED,
  ffmpegListSize: FFMPEG_LIST_SIZE,
  results: result,
  hour3OverMinute1: {
    follower: Number(ratio('follower').toFixed(2)),
    followerBaseline: Number(ratio('followerBaseline').toFixed(2)),
    recorder: Number(ratio('recorder').toFixed(2)),
    recorderBaseline: Number(ratio('recorderBaseline').toFixed(2)),
  },
};
console.log(
  `hour 3 / minute 1, CPU per segment: follower ${summary.hour3OverMinute1.follower} (baseline ${summary.hour3OverMinute1.followerBaseline}), recorder ${summary.hour3OverMinute1.recorder} (baseline ${summary.hour3OverMinute1.recorderBaseline})`,
);
console.log(JSON.stringify(summary));
