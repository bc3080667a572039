// An encoder restart seen by the origin (src/egress/hls-stream.ts): the next run carries the
// dead run's window on, so a player reloading the live playlists sees one stream with a
// discontinuity (RFC 8216 §6.2.1, §6.2.2, §4.3.3.3). Driven by hand as in hls-stream.test.ts.
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HlsStream, type HlsStreamOptions, type NewSegment } from '../../../src/egress/hls-stream.js';
import type { LiveRendition } from '../../../src/egress/hls-playlist.js';
import { ffmpegWrites, segmentName } from '../../helpers/ffmpeg-hls-writer.js';
import { checkMediaText, checkReload, type MediaCheck } from '../../helpers/hls-conformance.js';

const STARTED = Date.UTC(2024, 5, 1, 18, 30, 0, 0);
let root: string;
const streams: HlsStream[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'hls-carry-test-'));
});
after(async () => {
  for (const s of streams) await s.close(false);
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
afterEach(() => mock.timers.reset());

async function run(name: string, opts: Partial<HlsStreamOptions>): Promise<{ dir: string; s: HlsStream; events: NewSegment[]; released: string[] }> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const s = new HlsStream({
    dir,
    uriPrefix: `${name}/`,
    startedAtMs: STARTED,
    windowSegments: 3,
    keepBehind: 2,
    mediaSequenceBase: { audio: 0, video: 0, low: 0 },
    discontinuitySequence: 4,
    targetSeconds: { audio: 1, video: 1, low: 2 },
    ...opts,
  });
  streams.push(s);
  const events: NewSegment[] = [];
  const released: string[] = [];
  s.on('segment', (e) => events.push(e));
  s.on('released', (d) => released.push(d));
  return { dir, s, events, released };
}

/** A player reloading one playlist: every load passes on its own and against the one before. */
function player(s: () => HlsStream, r: LiveRendition) {
  let last: MediaCheck | null = null;
  return () => {
    const text = s().playlist(r);
    assert.ok(text, `${r} playlist served`);
    const check = checkMediaText(text, false);
    assert.deepEqual(check.problems, []);
    if (last) assert.deepEqual(checkReload(last, check), []);
    last = check;
    return { text, check, uris: check.segments.map((x) => x.uri) };
  };
}

describe('HlsStream after an encoder restart', () => {
  it('serves the dead run’s window until its own first segment, then the window goes on with a discontinuity; the discontinuity sequence goes up once the tag scrolls out', async () => {
    const a = await run('ra', {});
    await ffmpegWrites(a.dir, 'audio', [1, 1, 1, 1, 1]);
    await ffmpegWrites(a.dir, 'video', [1, 1]);
    await a.s.poll();
    let current = a.s;
    const audio = player(() => current, 'audio');
    const video = player(() => current, 'video');
    assert.deepEqual(audio().uris, ['ra/audio-000002.m4s', 'ra/audio-000003.m4s', 'ra/audio-000004.m4s']);
    video();
    await a.s.close(false);

    const b = await run('rb', { mediaSequenceBase: a.s.nextSequence(), discontinuitySequence: 5, carried: a.s.carry() });
    current = b.s;
    assert.equal(b.s.playlist('audio'), a.s.playlist('audio'), 'the dead run’s last playlist, frozen');
    assert.equal(b.s.playlist('video'), a.s.playlist('video'));
    assert.equal(b.s.playlist('low'), null, 'nothing to carry: none');
    await b.s.poll();
    assert.equal(b.s.playlist('audio'), a.s.playlist('audio'), 'ffmpeg has written nothing yet');

    const audioAfter = async (n: number) => {
      await ffmpegWrites(b.dir, 'audio', Array<number>(n).fill(1));
      await b.s.poll();
      return audio();
    };
    let load = await audioAfter(1);
    assert.deepEqual(load.uris, ['ra/audio-000003.m4s', 'ra/audio-000004.m4s', 'rb/audio-000000.m4s']);
    assert.equal(load.check.mediaSequence, 3, 'numbering goes on');
    assert.equal(load.check.discontinuitySequence, 4, 'the tag is in the window: not counted yet');
    assert.match(load.text, /ra\/audio-000004\.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="rb\/init-audio\.mp4"\n/);
    load = await audioAfter(2);
    assert.equal(load.check.discontinuitySequence, 4);
    assert.deepEqual(
      load.check.segments.map((x) => x.discontinuity),
      [4, 5, 5],
    );
    load = await audioAfter(3);
    assert.deepEqual(load.uris, ['rb/audio-000000.m4s', 'rb/audio-000001.m4s', 'rb/audio-000002.m4s']);
    assert.equal(load.check.discontinuitySequence, 5, 'the tag scrolled out: counted');
    assert.ok(!load.text.includes('#EXT-X-DISCONTINUITY\n'));
    assert.equal(load.check.mediaSequence, 5);
    assert.deepEqual(
      b.events.map((e) => e.served.uri),
      ['rb/audio-000000.m4s', 'rb/audio-000001.m4s', 'rb/audio-000002.m4s'],
      'carried segments are not announced again (a recording has them)',
    );

    // The dead run's files stay while any rendition lists them or keeps them behind the window.
    await audioAfter(5);
    assert.deepEqual(b.released, [], 'video still lists the dead run');
    for (const f of [segmentName('audio', 4), segmentName('video', 1), 'init-audio.mp4']) assert.ok(existsSync(join(a.dir, f)), `${f} kept`);
    for (let n = 1; n <= 5; n++) {
      await ffmpegWrites(b.dir, 'video', Array<number>(n).fill(1));
      await b.s.poll();
      const v = video();
      if (n === 1) assert.match(v.text, /#EXT-X-DISCONTINUITY\n/);
      // Two carried + n of its own: the carried ones leave window + keepBehind (5) at n = 4 and 5.
      assert.deepEqual(b.released, n < 5 ? [] : [a.dir], `after ${n} video segments`);
    }
    assert.ok(existsSync(join(b.dir, segmentName('audio', 0))), 'the run’s own segments are pruned as before');
  });

  it('a restart before the window filled, and a second one: each run’s segments keep their discontinuity number', async () => {
    const a = await run('rc', { discontinuitySequence: 0 });
    await ffmpegWrites(a.dir, 'audio', [1, 1]);
    await a.s.poll();
    await a.s.close(false);
    const b = await run('rd', { discontinuitySequence: 1, mediaSequenceBase: a.s.nextSequence(), carried: a.s.carry() });
    await ffmpegWrites(b.dir, 'audio', [1]);
    await b.s.poll();
    await b.s.close(false);
    const c = await run('re', { discontinuitySequence: 2, mediaSequenceBase: b.s.nextSequence(), carried: b.s.carry() });
    await ffmpegWrites(c.dir, 'audio', [1]);
    await c.s.poll();
    const check = checkMediaText(c.s.playlist('audio')!, false);
    assert.deepEqual(check.problems, []);
    assert.deepEqual(
      check.segments.map((x) => [x.seq, x.uri, x.discontinuity]),
      [
        [1, 'rc/audio-000001.m4s', 0],
        [2, 'rd/audio-000000.m4s', 1],
        [3, 're/audio-000000.m4s', 2],
      ],
    );
    assert.equal(check.discontinuitySequence, 0);
  });
});
