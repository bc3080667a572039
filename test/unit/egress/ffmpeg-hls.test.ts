// The ffmpeg command line (src/egress/ffmpeg-hls.ts hlsArgs): inputs, the GOP that makes
// every segment start on a keyframe, and the output names HlsStream expects.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FFMPEG_LIST_SIZE, FFMPEG_PLAYLIST, hlsArgs, type HlsEncodeOptions } from '../../../src/egress/ffmpeg-hls.js';

const opts: HlsEncodeOptions = {
  ffmpegPath: 'ffmpeg',
  dir: '/var/hls/s1/r1',
  width: 640,
  height: 360,
  fps: 30,
  videoKbps: 500,
  audioKbps: 64,
  segmentSeconds: 1,
};

/** The value after `flag` (the first occurrence after `from`). */
function arg(args: string[], flag: string, from = 0): string {
  const i = args.indexOf(flag, from);
  assert.ok(i >= 0, `${flag} present`);
  return args[i + 1]!;
}

describe('hlsArgs', () => {
  it('reads mono 48 kHz s16le on stdin and IVF on fd 3', () => {
    const a = hlsArgs(opts);
    const inputs = a.map((x, i) => (x === '-i' ? a[i + 1] : null)).filter(Boolean);
    assert.deepEqual(inputs, ['pipe:0', 'pipe:3']);
    const first = a.indexOf('-i');
    assert.deepEqual(a.slice(first - 6, first), ['-f', 's16le', '-ar', '48000', '-ac', '1']);
    assert.equal(a[a.indexOf('pipe:3') - 2], 'ivf');
  });

  it('scales and pads to the output size at the frame rate', () => {
    const fc = arg(hlsArgs(opts), '-filter_complex');
    assert.ok(fc.includes('scale=640:360:force_original_aspect_ratio=decrease'));
    assert.ok(fc.includes('pad=640:360:'));
    assert.ok(fc.includes('fps=30'));
  });

  it('puts a keyframe at every segment boundary: GOP = fps x segment length', () => {
    const a = hlsArgs({ ...opts, fps: 25, segmentSeconds: 2 });
    assert.equal(arg(a, '-g'), '50');
    assert.equal(arg(a, '-keyint_min'), '50');
    assert.equal(arg(a, '-sc_threshold'), '0');
    assert.equal(arg(a, '-force_key_frames'), 'expr:gte(t,n_forced*2)');
    assert.equal(arg(a, '-hls_time'), '2');
    assert.equal(arg(hlsArgs({ ...opts, fps: 0.1, segmentSeconds: 1 }), '-g'), '1', 'never below 1');
  });

  it('encodes at the configured bitrates', () => {
    const a = hlsArgs({ ...opts, videoKbps: 800, audioKbps: 48 });
    assert.equal(arg(a, '-b:a'), '48k');
    assert.equal(arg(a, '-b:v'), '800k');
    assert.equal(arg(a, '-maxrate'), '800k');
    // Half a segment of buffer: no segment carries more than 1.5 x maxrate, the peak the master declares.
    assert.equal(arg(a, '-bufsize'), '400k');
    assert.equal(arg(hlsArgs({ ...opts, videoKbps: 800, segmentSeconds: 2 }), '-bufsize'), '800k');
    assert.equal(arg(a, '-c:a'), 'aac');
    assert.equal(arg(a, '-c:v'), 'libx264');
  });

  it('writes fMP4 segments, init files and playlists with the names the origin reads', () => {
    const a = hlsArgs(opts);
    assert.equal(
      arg(a, '-hls_list_size'),
      String(FFMPEG_LIST_SIZE),
      'ffmpeg lists its latest segments only, so reading its playlist costs the same at any hour',
    );
    assert.doesNotMatch(arg(a, '-hls_flags') ?? '', /delete_segments/, 'the origin prunes the files itself');
    assert.equal(arg(a, '-hls_segment_type'), 'fmp4');
    assert.equal(arg(a, '-hls_fmp4_init_filename'), 'init-%v.mp4');
    assert.equal(arg(a, '-hls_segment_filename'), '/var/hls/s1/r1/%v-%06d.m4s');
    assert.equal(arg(a, '-var_stream_map'), 'a:0,name:audio v:0,name:video');
    const out = a[a.indexOf('-var_stream_map') + 2]!;
    assert.equal(out, '/var/hls/s1/r1/ff-%v.m3u8');
    for (const r of ['audio', 'video'] as const) assert.equal(out.replace('%v', r), `/var/hls/s1/r1/${FFMPEG_PLAYLIST[r]}`);
  });

  it("adds Low data mode's output: Opus at its own bitrate and segment length, its own names", () => {
    const a = hlsArgs({ ...opts, lowAudioKbps: 12, lowSegmentSeconds: 6 });
    const from = a.indexOf('-var_stream_map') + 3;
    assert.equal(a[from - 1], '/var/hls/s1/r1/ff-%v.m3u8', 'after the first output');
    assert.deepEqual(a.slice(from, from + 2), ['-map', '0:a'], 'the mix again, audio only');
    assert.equal(arg(a, '-c:a', from), 'libopus');
    assert.equal(arg(a, '-b:a', from), '12k');
    assert.equal(arg(a, '-hls_time', from), '6');
    assert.equal(arg(a, '-hls_segment_type', from), 'fmp4');
    assert.equal(arg(a, '-hls_fmp4_init_filename', from), 'init-low.mp4');
    assert.equal(arg(a, '-hls_segment_filename', from), '/var/hls/s1/r1/low-%06d.m4s');
    assert.equal(a.at(-1), `/var/hls/s1/r1/${FFMPEG_PLAYLIST.low}`);
    const defaults = hlsArgs(opts);
    assert.equal(arg(defaults, '-b:a', defaults.indexOf('libopus')), '16k');
    assert.equal(arg(defaults, '-hls_time', defaults.indexOf('libopus')), '2');
  });
});
