// What the HLS encoder's segments really carry against what the master declares: ffmpeg
// with the live encoder's own arguments (hlsArgs), fed a 1280x720 high-motion camera (moving
// test pattern under temporal noise, the worst case for a rate controller) and speech, paced
// in real time; then each rendition's peak segment bit rate (RFC 8216 §4.1) and average, and
// the BANDWIDTH of the variant that plays it.
//
//   npm run bench:hls-bandwidth [-- --seconds 20]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '../src/cli/args.js';
import { FFMPEG_PLAYLIST, hlsArgs } from '../src/egress/ffmpeg-hls.js';
import { averageSegmentBitRate, peakSegmentBitRate, renderMasterPlaylist } from '../src/egress/hls-playlist.js';
import { parseMasterPlaylist, parseMediaPlaylist } from '../src/protocol/hls-playlists.js';
import { speechWav, testPatternIvf } from '../test/helpers/media-fixtures.js';

const { flags } = parseCommandLine(process.argv.slice(2), { seconds: 'string' });
const SECONDS = Number(flags.seconds ?? 20);
const encoding = { ffmpegPath: 'ffmpeg', width: 960, height: 540, fps: 30, videoKbps: 1200, audioKbps: 64, segmentSeconds: 1 };

const dir = await mkdtemp(join(tmpdir(), 'hls-bw-'));
try {
  const [camera, speech] = await Promise.all([
    testPatternIvf({ width: 1280, height: 720, seconds: 10, motion: true }),
    speechWav('Welcome to the Space. We are measuring what each segment of the stream really carries.'),
  ]);
  // The encoder's own arguments, with its two live pipes swapped for the same media paced from files.
  const args = hlsArgs({ ...encoding, dir });
  const paced = (file: string) => ['-re', '-stream_loop', '-1', '-t', String(SECONDS), '-i', file];
  const inputs = [...paced(speech), ...paced(camera)];
  const encode = args.slice(args.indexOf('-filter_complex'));
  const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...inputs, ...encode], { stdio: 'inherit' });
  await new Promise((resolve) => ff.on('exit', resolve));

  const master = parseMasterPlaylist(renderMasterPlaylist({ ...encoding, video: true, lowAudioKbps: 16 }), 'file:///master.m3u8');
  const measured: Record<string, { peak: number; average: number }> = {};
  for (const [rendition, playlist] of Object.entries(FFMPEG_PLAYLIST)) {
    const media = parseMediaPlaylist(await readFile(join(dir, playlist), 'utf8'));
    // The last segment is cut short by the end of the input: not one a live player sees.
    const sized = await Promise.all(media.segments.slice(0, -1).map(async (s) => ({ bytes: (await stat(join(dir, s.uri))).size, duration: s.duration })));
    measured[rendition] = { peak: peakSegmentBitRate(sized, media.targetDuration), average: averageSegmentBitRate(sized) };
    const rates = sized.map((s) => Math.round((s.bytes * 8) / s.duration / 1000));
    console.log(`${rendition}: ${sized.length} segments, kbit/s each: ${rates.join(' ')}`);
  }
  for (const v of master.variants) {
    const name = v.uri.replace('file:///', '').replace('.m3u8', '');
    const peak = measured[name]!.peak + (v.audioGroup ? measured.audio!.peak : 0);
    const average = measured[name]!.average + (v.audioGroup ? measured.audio!.average : 0);
    const verdict = peak <= v.bandwidth ? 'holds' : `exceeded by ${(((peak - v.bandwidth) / v.bandwidth) * 100).toFixed(1)} %`;
    console.log(`variant ${name}: BANDWIDTH ${v.bandwidth}, measured peak ${Math.round(peak)}, average ${Math.round(average)}: ${verdict}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
