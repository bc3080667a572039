// The ffmpeg command that turns the room's mix into HLS: mono 48 kHz PCM on stdin, the stage
// video as VP8 in IVF on fd 3, out as two fMP4 renditions (AAC audio; H.264 video, scaled and
// padded to one size, a keyframe every segment) with ~1 s segments, and a second HLS output,
// Low data mode's: the same mix as Opus at a low bitrate, with longer segments (its own
// playlist, so fewer requests, whose headers cost as much as the audio at these rates). ffmpeg lists its latest
// segments only (and deletes nothing); the origin (HlsStream) serves a sliding window and
// prunes the files.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { LOW_AUDIO_DEFAULTS, videoRateControl, type EncoderRunOptions } from './encoding.js';

export type HlsEncodeOptions = EncoderRunOptions;

/** ffmpeg's playlist for each rendition; the origin reads these. */
export const FFMPEG_PLAYLIST = { audio: 'ff-audio.m3u8', video: 'ff-video.m3u8', low: 'ff-low.m3u8' } as const;

/**
 * Segments in ffmpeg's own playlists: the origin reads them after every segment, so their
 * length must not grow with the Space (a list of every segment made each read, and ffmpeg's
 * own rewrite, O(n) at hour three). The files stay: the origin prunes them itself.
 */
export const FFMPEG_LIST_SIZE = 30;

export function hlsArgs(o: HlsEncodeOptions): string[] {
  const { width: w, height: h } = o;
  const gop = Math.max(1, Math.round(o.fps * o.segmentSeconds));
  // Bounded so that no segment exceeds the BANDWIDTH the master declares (videoRateControl).
  const vbv = videoRateControl(o);
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostats',
    '-nostdin',
    // Both inputs are live pipes: no probing delay, and deep enough queues that one never stalls the other.
    '-thread_queue_size',
    '1024',
    '-f',
    's16le',
    '-ar',
    '48000',
    '-ac',
    '1',
    '-i',
    'pipe:0',
    '-thread_queue_size',
    '1024',
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-f',
    'ivf',
    '-i',
    'pipe:3',
    '-filter_complex',
    `[1:v]scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=0x15202b,fps=${o.fps},format=yuv420p[v]`,
    '-map',
    '0:a',
    '-map',
    '[v]',
    '-c:a',
    'aac',
    '-b:a',
    `${o.audioKbps}k`,
    '-ar',
    '48000',
    '-ac',
    '1',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'main',
    '-level',
    '3.1',
    '-b:v',
    `${o.videoKbps}k`,
    '-maxrate',
    `${vbv.maxrateKbps}k`,
    '-bufsize',
    `${vbv.bufsizeKbit}k`,
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${o.segmentSeconds})`,
    ...fmp4HlsArgs(o.segmentSeconds, 'init-%v.mp4'),
    '-hls_segment_filename',
    `${o.dir}/%v-%06d.m4s`,
    '-var_stream_map',
    'a:0,name:audio v:0,name:video',
    `${o.dir}/ff-%v.m3u8`,
    ...lowAudioArgs(o),
  ];
}

/** The HLS muxer as both outputs use it: fMP4 segments of `seconds`, written whole, a short list. */
function fmp4HlsArgs(seconds: number, initName: string): string[] {
  return [
    '-f',
    'hls',
    '-hls_time',
    String(seconds),
    '-hls_list_size',
    String(FFMPEG_LIST_SIZE),
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments+temp_file',
    '-hls_fmp4_init_filename',
    initName,
  ];
}

/**
 * Low data mode's output: Opus (libopus, tuned for speech, 60 ms frames: fewer per-sample
 * entries in each fragment) in fMP4. Debian's native AAC encoder overshoots at low rates
 * (asked for 24k it made ~37 kbit/s of speech, 64k made ~75) and AAC-LC sounds worse than Opus
 * at the same rate; Chromium, Firefox and Safari 17+ play Opus in fMP4 (MSE), and the page
 * falls back to the AAC rendition where it cannot (web/src/state/tier.ts).
 */
function lowAudioArgs(o: HlsEncodeOptions): string[] {
  const kbps = o.lowAudioKbps ?? LOW_AUDIO_DEFAULTS.kbps;
  const seconds = o.lowSegmentSeconds ?? LOW_AUDIO_DEFAULTS.segmentSeconds;
  return [
    '-map',
    '0:a',
    '-c:a',
    'libopus',
    '-b:a',
    `${kbps}k`,
    '-application',
    'voip',
    '-frame_duration',
    '60',
    '-ac',
    '1',
    ...fmp4HlsArgs(seconds, 'init-low.mp4'),
    '-hls_segment_filename',
    `${o.dir}/low-%06d.m4s`,
    `${o.dir}/${FFMPEG_PLAYLIST.low}`,
  ];
}

export interface FfmpegHls {
  readonly process: ChildProcess;
  readonly audioIn: Writable;
  readonly videoIn: Writable;
  /** The last lines ffmpeg printed, for the log when it fails. */
  stderrTail(): string;
}

export function spawnFfmpegHls(o: HlsEncodeOptions): FfmpegHls {
  // Its own process group, so a terminal's Ctrl-C does not cut a recording's last segment: it
  // ends when its inputs close (we stop it, or the codec worker died and the pipes with it).
  const child = spawn(o.ffmpegPath, hlsArgs(o), { stdio: ['pipe', 'ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  const videoIn = child.stdio[3] as Writable;
  // A missing binary is an 'error' event, not an exception: reported as an exit (code null).
  child.on('error', (err) => {
    tail += `\n${err.message}`;
    child.emit('exit', null, null);
  });
  // A dying ffmpeg closes its pipes under us: EPIPE is reported through 'exit', not thrown.
  child.stdin!.on('error', () => undefined);
  videoIn.on('error', () => undefined);
  return { process: child, audioIn: child.stdin!, videoIn, stderrTail: () => tail };
}
