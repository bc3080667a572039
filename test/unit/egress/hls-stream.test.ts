// The origin's view of one encoder run (src/egress/hls-stream.ts), driven by hand: we write
// the playlists and segments ffmpeg would, and call poll() ourselves. setInterval is mocked,
// so the stream's own 100 ms timer never runs behind the test's back.
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { HlsStream, type HlsStreamOptions, type NewSegment } from '../../../src/egress/hls-stream.js';
import { FFMPEG_PLAYLIST } from '../../../src/egress/ffmpeg-hls.js';
import { parseMediaPlaylist } from '../../../src/protocol/hls-playlists.js';
import { ffmpegWrites, segmentName } from '../../helpers/ffmpeg-hls-writer.js';

const STARTED = Date.UTC(2024, 5, 1, 18, 30, 0, 0);

let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'hls-stream-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  mock.timers.enable({ apis: ['setInterval'] });
});
afterEach(() => {
  mock.timers.reset();
});

const name = segmentName;

async function runDir(): Promise<string> {
  const dir = join(root, `run-${++n}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const streams: HlsStream[] = [];
function stream(dir: string, opts: Partial<HlsStreamOptions> = {}): { s: HlsStream; events: NewSegment[] } {
  const s = new HlsStream({
    dir,
    uriPrefix: 'r7/',
    startedAtMs: STARTED,
    windowSegments: 3,
    keepBehind: 2,
    mediaSequenceBase: { audio: 0, video: 0 },
    discontinuitySequence: 0,
    targetSeconds: { audio: 1, video: 1, low: 2 },
    ...opts,
  });
  streams.push(s);
  const events: NewSegment[] = [];
  s.on('segment', (e) => events.push(e));
  return { s, events };
}
after(async () => {
  for (const s of streams) await s.close(false);
});

describe('FFMPEG_PLAYLIST', () => {
  it('names ffmpeg’s playlists ff-audio.m3u8, ff-video.m3u8 and ff-low.m3u8', () => {
    assert.deepEqual({ ...FFMPEG_PLAYLIST }, { audio: 'ff-audio.m3u8', video: 'ff-video.m3u8', low: 'ff-low.m3u8' });
  });
});

describe('HlsStream', () => {
  it('has no playlist before ffmpeg wrote one', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    await s.poll();
    assert.equal(s.playlist('audio'), null);
    assert.equal(s.playlist('video'), null);
    assert.deepEqual(events, []);
    assert.deepEqual(s.nextSequence(), { audio: 0, video: 0, low: 0 });
  });

  it('never lowers EXT-X-TARGETDURATION (RFC 8216 §6.2.1): a long segment raises it for good, and the next run starts from it', async () => {
    const dir = await runDir();
    const { s } = stream(dir, { windowSegments: 2, targetSeconds: { audio: 1, video: 1, low: 2 } });
    const target = () => parseMediaPlaylist(s.playlist('audio')!).targetDuration;
    await ffmpegWrites(dir, 'audio', [1, 1]);
    await s.poll();
    assert.equal(target(), 1, 'the encoder segment length');
    await ffmpegWrites(dir, 'audio', [1, 1, 2.6]);
    await s.poll();
    assert.equal(target(), 3, 'a 2.6 s segment needs 3');
    await ffmpegWrites(dir, 'audio', [1, 1, 2.6, 1, 1]);
    await s.poll();
    assert.deepEqual(
      parseMediaPlaylist(s.playlist('audio')!).segments.map((x) => x.duration),
      [1, 1],
      'the long segment left the window',
    );
    assert.equal(target(), 3, 'the target stays');
    assert.deepEqual(s.targetSeconds(), { audio: 3, video: 1, low: 2 });
  });

  it('waits for a playlist with its init map', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1], { map: false });
    await s.poll();
    assert.equal(s.playlist('audio'), null);
    assert.deepEqual(events, []);
    await ffmpegWrites(dir, 'audio', [1]);
    await s.poll();
    assert.equal(events.length, 1);
  });

  it('serves the segments with the URI prefix, the run’s wall-clock times and map', async () => {
    const dir = await runDir();
    const { s } = stream(dir, { windowSegments: 10 });
    await ffmpegWrites(dir, 'audio', [1.002667, 0.997333, 1]);
    await s.poll();
    const text = s.playlist('audio')!;
    assert.ok(text);
    const p = parseMediaPlaylist(text);
    assert.deepEqual(
      p.segments.map(({ uri, duration }) => ({ uri, duration })),
      [
        { uri: 'r7/audio-000000.m4s', duration: 1.002667 },
        { uri: 'r7/audio-000001.m4s', duration: 0.997333 },
        { uri: 'r7/audio-000002.m4s', duration: 1 },
      ],
    );
    assert.equal(p.map, 'r7/init-audio.mp4');
    assert.equal(p.mediaSequence, 0);
    assert.deepEqual(
      text.split('\n').filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')),
      [STARTED, STARTED + 1003, STARTED + 2000].map((ms) => `#EXT-X-PROGRAM-DATE-TIME:${new Date(ms).toISOString()}`),
    );
    assert.equal(s.playlist('video'), null, 'video has not started');
  });

  it('emits one segment event per new segment, with absolute paths', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir, { windowSegments: 10 });
    await ffmpegWrites(dir, 'audio', [1, 1]);
    await s.poll();
    assert.deepEqual(events, [
      {
        rendition: 'audio',
        file: join(dir, 'audio-000000.m4s'),
        initFile: join(dir, 'init-audio.mp4'),
        served: { uri: 'r7/audio-000000.m4s', duration: 1, wallStartMs: STARTED, map: 'r7/init-audio.mp4' },
      },
      {
        rendition: 'audio',
        file: join(dir, 'audio-000001.m4s'),
        initFile: join(dir, 'init-audio.mp4'),
        served: { uri: 'r7/audio-000001.m4s', duration: 1, wallStartMs: STARTED + 1000, map: 'r7/init-audio.mp4' },
      },
    ]);
    await s.poll();
    assert.equal(events.length, 2, 'an unchanged playlist announces nothing');
    await ffmpegWrites(dir, 'audio', [1, 1]);
    await s.poll();
    assert.equal(events.length, 2, 'a rewrite without new segments announces nothing');
    await ffmpegWrites(dir, 'audio', [1, 1, 0.5, 1.5]);
    await s.poll();
    assert.deepEqual(
      events.slice(2).map((e) => [e.served.uri, e.served.wallStartMs]),
      [
        ['r7/audio-000002.m4s', STARTED + 2000],
        ['r7/audio-000003.m4s', STARTED + 2500],
      ],
    );
    assert.equal(s.segmentCount('audio'), 4);
  });

  it('serves a sliding window of windowSegments, numbered from mediaSequenceBase', async () => {
    const dir = await runDir();
    const { s } = stream(dir, { windowSegments: 3, keepBehind: 100, mediaSequenceBase: { audio: 40, video: 7 }, discontinuitySequence: 2 });
    await ffmpegWrites(dir, 'audio', [1, 1]);
    await s.poll();
    let p = parseMediaPlaylist(s.playlist('audio')!);
    assert.equal(p.mediaSequence, 40, 'the window starts at the base while it is not full');
    assert.equal(p.segments.length, 2);
    for (let count = 3; count <= 6; count++) {
      await ffmpegWrites(dir, 'audio', Array<number>(count).fill(1));
      await s.poll();
      const text = s.playlist('audio')!;
      p = parseMediaPlaylist(text);
      assert.equal(p.segments.length, 3, `${count} segments`);
      assert.equal(p.mediaSequence, 40 + count - 3);
      assert.deepEqual(
        p.segments.map((x) => x.uri),
        [count - 3, count - 2, count - 1].map((i) => `r7/${name('audio', i)}`),
      );
      assert.ok(text.includes('#EXT-X-DISCONTINUITY-SEQUENCE:2\n'));
      assert.ok(text.includes(`#EXT-X-PROGRAM-DATE-TIME:${new Date(STARTED + (count - 3) * 1000).toISOString()}`), 'wall time of the first in the window');
    }
    assert.deepEqual(s.nextSequence(), { audio: 46, video: 7, low: 0 });
  });

  it('follows audio and video separately', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir, { mediaSequenceBase: { audio: 100, video: 200 } });
    await ffmpegWrites(dir, 'audio', [1, 1, 1, 1]);
    await ffmpegWrites(dir, 'video', [2, 2]);
    await s.poll();
    assert.equal(events.filter((e) => e.rendition === 'audio').length, 4);
    assert.equal(events.filter((e) => e.rendition === 'video').length, 2);
    const v = parseMediaPlaylist(s.playlist('video')!);
    assert.deepEqual(
      v.segments.map((x) => x.uri),
      ['r7/video-000000.m4s', 'r7/video-000001.m4s'],
    );
    assert.equal(v.map, 'r7/init-video.mp4');
    assert.equal(v.mediaSequence, 200);
    assert.equal(v.targetDuration, 2);
    const videoEvent = events.find((e) => e.rendition === 'video' && e.served.uri.endsWith('000001.m4s'))!;
    assert.equal(videoEvent.served.wallStartMs, STARTED + 2000, 'each rendition keeps its own media clock');
    assert.equal(videoEvent.initFile, join(dir, 'init-video.mp4'));
    assert.equal(parseMediaPlaylist(s.playlist('audio')!).mediaSequence, 101);
    assert.deepEqual(s.nextSequence(), { audio: 104, video: 202, low: 0 });
    assert.equal(s.segmentCount('audio'), 4);
    assert.equal(s.segmentCount('video'), 2);
  });

  it('deletes segments older than window + keepBehind, never the init segment', async () => {
    const dir = await runDir();
    const { s } = stream(dir, { windowSegments: 3, keepBehind: 2 });
    await ffmpegWrites(dir, 'audio', Array<number>(5).fill(1));
    await s.poll();
    for (let i = 0; i < 5; i++) assert.ok(existsSync(join(dir, name('audio', i))), `5 = window + keepBehind: ${i} stays`);
    await ffmpegWrites(dir, 'audio', Array<number>(8).fill(1));
    await s.poll();
    // Window 5..7, kept behind 3..4: 0..2 go.
    for (let i = 0; i < 3; i++) assert.ok(!existsSync(join(dir, name('audio', i))), `${i} pruned`);
    for (let i = 3; i < 8; i++) assert.ok(existsSync(join(dir, name('audio', i))), `${i} kept`);
    assert.ok(existsSync(join(dir, 'init-audio.mp4')));
    assert.ok(existsSync(join(dir, FFMPEG_PLAYLIST.audio)));
    await ffmpegWrites(dir, 'audio', Array<number>(9).fill(1));
    await s.poll();
    assert.ok(!existsSync(join(dir, name('audio', 3))), 'one more segment, one more pruned');
    assert.ok(existsSync(join(dir, name('audio', 4))));
  });

  it('pruning does not trip over a segment that is already gone', async () => {
    const dir = await runDir();
    const { s } = stream(dir, { windowSegments: 1, keepBehind: 0 });
    await ffmpegWrites(dir, 'audio', [1, 1]);
    await rm(join(dir, name('audio', 0)));
    await s.poll();
    assert.ok(existsSync(join(dir, name('audio', 1))));
    assert.equal(parseMediaPlaylist(s.playlist('audio')!).segments.length, 1);
  });

  it('the live playlist never carries an ENDLIST, even when ffmpeg’s does', async () => {
    const dir = await runDir();
    const { s } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1, 1], { ended: true });
    await s.poll();
    assert.ok(!s.playlist('audio')!.includes('#EXT-X-ENDLIST'));
  });

  it('close(true) picks up the last segments, then removes the run directory', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1]);
    await s.poll();
    assert.equal(events.length, 1);
    await ffmpegWrites(dir, 'audio', [1, 1, 0.4], { ended: true });
    await ffmpegWrites(dir, 'video', [1]);
    await s.close(true);
    assert.deepEqual(
      events.map((e) => e.served.uri),
      ['r7/audio-000000.m4s', 'r7/audio-000001.m4s', 'r7/audio-000002.m4s', 'r7/video-000000.m4s'],
    );
    assert.ok(!existsSync(dir), 'directory removed');
    assert.deepEqual(s.nextSequence(), { audio: 3, video: 1, low: 0 });
    assert.equal(s.listenerCount('segment'), 0, 'listeners dropped');
  });

  it('close(false) keeps the files; after close, poll does nothing; close twice is fine', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1]);
    await s.close(false);
    assert.equal(events.length, 1);
    assert.ok(existsSync(join(dir, name('audio', 0))));
    await ffmpegWrites(dir, 'audio', [1, 1]);
    await s.poll();
    assert.equal(s.segmentCount('audio'), 1, 'no longer following');
    await s.close(true);
    assert.ok(existsSync(dir), 'the second close is a no-op');
  });

  it('its timer polls on its own every 100 ms', { timeout: 10_000 }, async () => {
    const dir = await runDir();
    const { s } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1]);
    const got = once(s, 'segment') as Promise<[NewSegment]>;
    mock.timers.tick(100);
    const [seg] = await got;
    assert.equal(seg.served.uri, 'r7/audio-000000.m4s');
  });

  it('a poll while another is in flight shares it: each segment is announced once, before either resolves', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1, 1]);
    const first = s.poll();
    const second = s.poll();
    assert.equal(first, second, 'the same in-flight poll');
    await second;
    assert.equal(events.length, 2);
    await s.poll();
    assert.equal(events.length, 2, 'nothing new, nothing announced again');
  });

  // Regression: close() during a timer-driven poll used to skip its final poll and drop the
  // run's last segments (a recording's last second).
  it('close() during an in-flight poll still announces every segment', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    await ffmpegWrites(dir, 'audio', [1, 1]);
    const inflight = s.poll(); // as the 100 ms timer would
    await s.close(false);
    await inflight;
    assert.equal(events.length, 2, 'segments on disk before close() must be announced');
  });

  it('follows a bounded ffmpeg list as its media sequence advances: every segment once, in order, on the run clock', async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    const durations: number[] = [];
    for (let i = 0; i < 40; i++) {
      durations.push(1 + (i % 3) * 0.01);
      await ffmpegWrites(dir, 'audio', durations, { listSize: 5 });
      await s.poll();
    }
    assert.deepEqual(
      events.map((e) => e.served.uri),
      durations.map((_, i) => `r7/${name('audio', i)}`),
    );
    let at = STARTED;
    for (const [i, e] of events.entries()) {
      assert.equal(e.served.wallStartMs, Math.round(at), `segment ${i} starts on the run clock`);
      at += durations[i]! * 1000;
    }
    assert.equal(s.segmentCount('audio'), 40);
    assert.deepEqual(s.nextSequence(), { audio: 40, video: 0, low: 0 });
    assert.match(s.playlist('audio')!, /#EXT-X-MEDIA-SEQUENCE:37\n/, 'the served window is the last 3');
  });

  it("segments that scrolled out of ffmpeg's list before a poll are counted as missed, and later ones keep their wall-clock start", async () => {
    const dir = await runDir();
    const { s, events } = stream(dir);
    const missed: number[] = [];
    s.on('missed', (_r, n) => missed.push(n));
    await ffmpegWrites(dir, 'audio', [1, 1], { listSize: 3 });
    await s.poll();
    // Eight more segments while we were not looking; ffmpeg lists only the last three.
    await ffmpegWrites(dir, 'audio', Array(10).fill(1), { listSize: 3 });
    await s.poll();
    assert.deepEqual(missed, [5]);
    assert.deepEqual(
      events.map((e) => e.served.uri.slice(3)),
      [name('audio', 0), name('audio', 1), name('audio', 7), name('audio', 8), name('audio', 9)],
    );
    assert.equal(events[2]!.served.wallStartMs, STARTED + 7000);
    assert.deepEqual(s.nextSequence(), { audio: 10, video: 0, low: 0 });
  });
});
