// What the HLS encoder's segments really carry against what the master declares: ffmpeg
// with the live encoder's own arguments (hlsArgs), fed a 1280x720 high-motion camera (moving
// test pattern under temporal noise, the worst case for a rate controller) and speech, paced
// in real time; then each rendition's peak segment bit rate (RFC 8216 §4.1) and average, and
// the BANDWIDTH of the variant that plays it.
//
//   npm run bench:hls-bandwidth [-- --seconds 20]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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

interface Row {
  config: string;
  variant: string;
  declared: number;
  peak: number;
  average: number;
}

/**
 * Encodes SECONDS of the camera and speech with `args` (the live encoder's, or the baseline's)
 * and measures each rendition; `declared` gives each variant's BANDWIDTH under that config.
 */
async function measure(
  config: string,
  args: string[],
  dir: string,
  camera: string,
  speech: string,
  declared: (variant: string, master: number) => number,
): Promise<Row[]> {
  const paced = (file: string) => ['-re', '-stream_loop', '-1', '-t', String(SECONDS), '-i', file];
  const encode = args.slice(args.indexOf('-filter_complex'));
  const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...paced(speech), ...paced(camera), ...encode], { stdio: 'inherit' });
  await new Promise((resolve) => ff.on('exit', resolve));
  const master = parseMasterPlaylist(renderMasterPlaylist({ ...encoding, video: true, lowAudioKbps: 16 }), 'file:///master.m3u8');
  const measured: Record<string, { peak: number; average: number }> = {};
  for (const [rendition, playlist] of Object.entries(FFMPEG_PLAYLIST)) {
    const media = parseMediaPlaylist(await readFile(join(dir, playlist), 'utf8'));
    // The last segment is cut short by the end of the input: not one a live player sees.
    const sized = await Promise.all(media.segments.slice(0, -1).map(async (s) => ({ bytes: (await stat(join(dir, s.uri))).size, duration: s.duration })));
    measured[rendition] = { peak: peakSegmentBitRate(sized, media.targetDuration), average: averageSegmentBitRate(sized) };
  }
  return master.variants.map((v) => {
    const name = v.uri.replace('file:///', '').replace('.m3u8', '');
    return {
      config,
      variant: name,
      declared: declared(name, v.bandwidth),
      peak: Math.round(measured[name]!.peak + (v.audioGroup ? measured.audio!.peak : 0)),
      average: Math.round(measured[name]!.average + (v.audioGroup ? measured.audio!.average : 0)),
    };
  });
}

const root = await mkdtemp(join(tmpdir(), 'hls-bw-'));
try {
  const [camera, speech] = await Promise.all([
    testPatternIvf({ width: 1280, height: 720, seconds: 10, motion: true }),
    speechWav('Welcome to the Space. We are measuring what each segment of the stream really carries.'),
  ]);
  const oursDir = join(root, 'ours');
  const baselineDir = join(root, 'baseline');
  await Promise.all([mkdir(oursDir), mkdir(baselineDir)]);
  // The baseline: the former rate control (a one-second VBV buffer) and the former master,
  // which declared the nominal rates (video + audio + 16 kbit/s of headers; low as now).
  const baselineArgs = hlsArgs({ ...encoding, dir: baselineDir });
  baselineArgs[baselineArgs.indexOf('-bufsize') + 1] = `${encoding.videoKbps}k`;
  const formerAudio = (encoding.audioKbps + 16) * 1000;
  const formerDeclared = (variant: string, now: number) =>
    variant === 'video' ? encoding.videoKbps * 1000 + formerAudio : variant === 'audio' ? formerAudio : now;
  const rows = [
    ...(await measure('ours', hlsArgs({ ...encoding, dir: oursDir }), oursDir, camera, speech, (_v, now) => now)),
    ...(await measure('baseline (1 s VBV buffer, nominal BANDWIDTH)', baselineArgs, baselineDir, camera, speech, formerDeclared)),
  ];
  console.log(
    `\nHLS peak segment bit rate against the declared BANDWIDTH (${SECONDS} s, 1280x720 high-motion camera, ${encoding.width}x${encoding.height} at ${encoding.videoKbps}k + ${encoding.audioKbps}k AAC)\n`,
  );
  console.log(['config'.padEnd(46), 'variant'.padEnd(8), 'declared'.padStart(10), 'peak'.padStart(10), 'average'.padStart(10), '  peak/declared'].join(' '));
  for (const r of rows) {
    const ratio = ((r.peak / r.declared) * 100).toFixed(1) + ' %';
    console.log(
      [
        r.config.padEnd(46),
        r.variant.padEnd(8),
        String(r.declared).padStart(10),
        String(r.peak).padStart(10),
        String(r.average).padStart(10),
        `  ${ratio}${r.peak > r.declared ? ' (over)' : ''}`,
      ].join(' '),
    );
  }
  console.log(JSON.stringify({ bench: 'hls-bandwidth', seconds: SECONDS, rows }));
} finally {
  await rm(root, { recursive: true, force: true });
}
