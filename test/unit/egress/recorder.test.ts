// A recording on disk (src/egress/recorder.ts): hard links to live segments, EVENT then VOD
// playlists, the master, and the manifest that lets a restarted process carry on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Recorder } from '../../../src/egress/recorder.js';
import type { Rendition, ServedSegment } from '../../../src/egress/hls-playlist.js';
import { parseMediaPlaylist } from '../../../src/protocol/hls-playlists.js';

const MASTER = { width: 640, height: 360, videoKbps: 500, audioKbps: 64, segmentSeconds: 1 };
const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);

let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recorder-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh live run directory with an init segment per rendition, and a fresh recording directory. */
async function setup(): Promise<{ live: string; rec: string; segment: (r: Rendition, i: number) => Promise<string>; init: (r: Rendition) => string }> {
  const id = ++n;
  const live = join(root, `live-${id}`);
  const rec = join(root, `rec-${id}`);
  await mkdir(live, { recursive: true });
  for (const r of ['audio', 'video'] as const) await writeFile(join(live, `init-${r}.mp4`), `init ${r} ${id}`);
  return {
    live,
    rec,
    init: (r) => join(live, `init-${r}.mp4`),
    segment: async (r, i) => {
      const file = join(live, `${r}-${String(i).padStart(6, '0')}.m4s`);
      await writeFile(file, `${r} segment ${i} of run ${id}`);
      return file;
    },
  };
}

function served(i: number, duration = 1, prefix = 'r1/'): ServedSegment {
  return { uri: `${prefix}x-${i}.m4s`, duration, wallStartMs: T0 + i * 1000, map: `${prefix}init.mp4` };
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)]);
  return sa.ino === sb.ino && sa.dev === sb.dev;
}

describe('Recorder', () => {
  it('opens a new, empty recording and creates its directory', async () => {
    const { rec } = await setup();
    const r = await Recorder.open(rec);
    assert.equal(r.dir, rec);
    assert.ok(existsSync(rec));
    assert.deepEqual(r.segments('audio'), []);
    assert.deepEqual(r.segments('video'), []);
    assert.equal(r.durationSec, 0);
    assert.equal(r.final, false);
  });

  it('keeps a segment as a hard link named after its run, and links the run’s init segment once', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    const s0 = await segment('audio', 0);
    await r.add('audio', 'rA', s0, init('audio'), served(0));
    assert.ok(await sameFile(s0, join(rec, 'rA-audio-000000.m4s')), 'a hard link of the segment');
    assert.ok(await sameFile(init('audio'), join(rec, 'rA-init-audio.mp4')), 'a hard link of the init segment');
    assert.equal((await stat(s0)).nlink, 2);

    // The init segment is linked once per run: with the original gone, a second add still works.
    await unlink(init('audio'));
    const s1 = await segment('audio', 1);
    await r.add('audio', 'rA', s1, init('audio'), served(1));
    assert.ok(await sameFile(s1, join(rec, 'rA-audio-000001.m4s')));
    assert.equal(await readFile(join(rec, 'rA-init-audio.mp4'), 'utf8'), `init audio ${n}`);

    assert.deepEqual(r.segments('audio'), [
      { uri: 'rA-audio-000000.m4s', duration: 1, wallStartMs: T0, map: 'rA-init-audio.mp4' },
      { uri: 'rA-audio-000001.m4s', duration: 1, wallStartMs: T0 + 1000, map: 'rA-init-audio.mp4' },
    ]);
    const files = (await readdir(rec)).sort();
    assert.deepEqual(files, ['audio.m3u8', 'rA-audio-000000.m4s', 'rA-audio-000001.m4s', 'rA-init-audio.mp4', 'segments.jsonl', 'video.m3u8']);
  });

  it('the recording survives the live segment being deleted (pruned by the origin)', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    const s0 = await segment('audio', 0);
    await r.add('audio', 'rA', s0, init('audio'), served(0));
    await unlink(s0);
    assert.equal(await readFile(join(rec, 'rA-audio-000000.m4s'), 'utf8'), `audio segment 0 of run ${n}`);
  });

  it('uses its own URIs, not the live ones, with the served duration and wall-clock time', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('video', 'r9', await segment('video', 3), init('video'), {
      uri: 'r9/video-000003.m4s',
      duration: 0.96,
      wallStartMs: 12345,
      map: 'r9/init-video.mp4',
    });
    assert.deepEqual(r.segments('video'), [{ uri: 'r9-video-000003.m4s', duration: 0.96, wallStartMs: 12345, map: 'r9-init-video.mp4' }]);
    assert.deepEqual(r.segments('audio'), []);
  });

  it('writes a growing EVENT playlist per rendition on every add', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    for (let i = 0; i < 4; i++) {
      await r.add('audio', 'rA', await segment('audio', i), init('audio'), served(i));
      const text = await readFile(join(rec, 'audio.m3u8'), 'utf8');
      assert.ok(text.includes('#EXT-X-PLAYLIST-TYPE:EVENT\n'));
      assert.ok(!text.includes('#EXT-X-ENDLIST'));
      const p = parseMediaPlaylist(text);
      assert.equal(p.segments.length, i + 1, `after add ${i}`);
      assert.equal(p.segments[i]!.uri, `rA-audio-${String(i).padStart(6, '0')}.m4s`);
      assert.equal(p.map, 'rA-init-audio.mp4');
      assert.ok(text.includes(`#EXT-X-PROGRAM-DATE-TIME:${new Date(T0 + i * 1000).toISOString()}`));
    }
    const video = parseMediaPlaylist(await readFile(join(rec, 'video.m3u8'), 'utf8'));
    assert.deepEqual(video.segments, [], 'the other rendition is written too, empty');
    assert.ok(!existsSync(join(rec, 'audio.m3u8.tmp')), 'no temporary file left behind');
  });

  it('a second run tag links its own init segment and makes a discontinuity', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'r1', await segment('audio', 0), init('audio'), served(0));
    await r.add('audio', 'r1', await segment('audio', 1), init('audio'), served(1));
    // A new encoder run numbers its files from 0 again, in a new directory.
    const second = await setup();
    await r.add('audio', 'r2', await second.segment('audio', 0), second.init('audio'), served(5));
    assert.equal(await readFile(join(rec, 'r1-audio-000000.m4s'), 'utf8'), `audio segment 0 of run ${n - 1}`);
    assert.equal(await readFile(join(rec, 'r2-audio-000000.m4s'), 'utf8'), `audio segment 0 of run ${n}`, 'runs never collide');
    assert.ok(await sameFile(second.init('audio'), join(rec, 'r2-init-audio.mp4')));
    const text = await readFile(join(rec, 'audio.m3u8'), 'utf8');
    const lines = text.split('\n');
    assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
    const d = lines.indexOf('#EXT-X-DISCONTINUITY');
    assert.equal(lines[d - 1], 'r1-audio-000001.m4s');
    assert.equal(lines[d + 1], '#EXT-X-MAP:URI="r2-init-audio.mp4"');
  });

  it('finalize writes VOD playlists with ENDLIST and a master with the video variant', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0, 1));
    await r.add('video', 'rA', await segment('video', 0), init('video'), served(0, 1));
    await r.add('audio', 'rA', await segment('audio', 1), init('audio'), served(1, 0.5));
    await r.finalize({ ...MASTER, video: true });
    assert.equal(r.final, true);
    for (const name of ['audio.m3u8', 'video.m3u8']) {
      const text = await readFile(join(rec, name), 'utf8');
      assert.ok(text.includes('#EXT-X-PLAYLIST-TYPE:VOD\n'), name);
      assert.ok(text.endsWith('#EXT-X-ENDLIST\n'), name);
      assert.equal(parseMediaPlaylist(text).ended, true);
    }
    assert.equal(parseMediaPlaylist(await readFile(join(rec, 'audio.m3u8'), 'utf8')).segments.length, 2);
    const master = await readFile(join(rec, 'master.m3u8'), 'utf8');
    assert.ok(master.includes('\naudio.m3u8\n'));
    assert.ok(master.includes('\nvideo.m3u8\n'));
    assert.ok(master.includes('RESOLUTION=640x360'));
    // Every segment exists: the master declares their measured rates, not the encoder's bounds.
    const size = async (name: string) => (await stat(join(rec, name))).size * 8;
    const [a0, a1, v0] = [await size('rA-audio-000000.m4s'), await size('rA-audio-000001.m4s'), await size('rA-video-000000.m4s')];
    const audioPeak = Math.max(a0, (a0 + a1) / 1.5, a1 / 0.5);
    const audioAverage = (a0 + a1) / 1.5;
    assert.match(master, new RegExp(`BANDWIDTH=${Math.ceil(audioPeak)},AVERAGE-BANDWIDTH=${Math.ceil(audioAverage)},CODECS="mp4a`));
    assert.match(master, new RegExp(`BANDWIDTH=${Math.ceil(audioPeak + v0)},AVERAGE-BANDWIDTH=${Math.ceil(audioAverage + v0)},CODECS="avc1`));
    const log = (await readFile(join(rec, 'segments.jsonl'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(JSON.parse(log.at(-1)!), { final: true }, 'the log ends with the end');
    assert.equal(log.length, r.segments('audio').length + r.segments('video').length + 1, 'one line per segment, then the end');
  });

  it('the master has no video variant when video is off', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0));
    await r.add('video', 'rA', await segment('video', 0), init('video'), served(0));
    await r.finalize({ ...MASTER, video: false });
    const master = await readFile(join(rec, 'master.m3u8'), 'utf8');
    assert.ok(master.includes('\naudio.m3u8\n'));
    assert.ok(!master.includes('video.m3u8'));
  });

  it('the master has no video variant when no video segment was recorded', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0));
    await r.finalize({ ...MASTER, video: true });
    const master = await readFile(join(rec, 'master.m3u8'), 'utf8');
    assert.ok(!master.includes('video.m3u8'));
    assert.ok(!master.includes('RESOLUTION='));
  });

  it('durationSec sums the audio segments only', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0, 1));
    assert.equal(r.durationSec, 1);
    await r.add('audio', 'rA', await segment('audio', 1), init('audio'), served(1, 0.5));
    await r.add('video', 'rA', await segment('video', 0), init('video'), served(0, 7));
    await r.add('audio', 'rA', await segment('audio', 2), init('audio'), served(2, 1.25));
    assert.equal(r.durationSec, 2.75);
  });

  it('ignores segments added after finalize; finalize is idempotent', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0));
    await r.finalize({ ...MASTER, video: false });
    const late = await segment('audio', 1);
    await r.add('audio', 'rA', late, init('audio'), served(1));
    assert.equal(r.segments('audio').length, 1);
    assert.ok(!existsSync(join(rec, 'rA-audio-000001.m4s')), 'not linked either');
    const before = await readFile(join(rec, 'audio.m3u8'), 'utf8');
    await r.finalize({ ...MASTER, video: false });
    assert.equal(await readFile(join(rec, 'audio.m3u8'), 'utf8'), before);
    assert.equal(r.final, true);
  });

  it('adds queued without awaiting land in order', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    const files = [];
    for (let i = 0; i < 6; i++) files.push(await segment('audio', i));
    const pending = files.map((f, i) => r.add('audio', 'rA', f, init('audio'), served(i)));
    await r.flush();
    assert.equal(r.segments('audio').length, 6);
    assert.deepEqual(
      r.segments('audio').map((s) => s.uri),
      files.map((_, i) => `rA-audio-${String(i).padStart(6, '0')}.m4s`),
    );
    await Promise.all(pending);
    assert.equal(parseMediaPlaylist(await readFile(join(rec, 'audio.m3u8'), 'utf8')).segments.length, 6);
  });

  it('a failed add rejects without blocking the adds after it', async () => {
    const { live, rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await assert.rejects(r.add('audio', 'rA', join(live, 'missing.m4s'), init('audio'), served(0)));
    assert.deepEqual(r.segments('audio'), [], 'nothing recorded for it');
    await r.add('audio', 'rA', await segment('audio', 1), init('audio'), served(1));
    assert.equal(r.segments('audio').length, 1);
    await r.flush();
  });

  it('re-opening the directory (a restart) resumes the manifest and carries on', async () => {
    const { rec, segment, init } = await setup();
    const first = await Recorder.open(rec);
    await first.add('audio', 'r1', await segment('audio', 0), init('audio'), served(0, 1));
    await first.add('audio', 'r1', await segment('audio', 1), init('audio'), served(1, 1));
    await first.add('video', 'r1', await segment('video', 0), init('video'), served(0, 2));
    await first.flush();

    const again = await Recorder.open(rec);
    assert.deepEqual(again.segments('audio'), first.segments('audio'));
    assert.deepEqual(again.segments('video'), first.segments('video'));
    assert.equal(again.durationSec, 2);
    assert.equal(again.final, false);

    // It remembers which init segments are linked: the same run's init is not needed again.
    await unlink(init('audio'));
    await again.add('audio', 'r1', await segment('audio', 2), init('audio'), served(2, 1));
    // A new run after the restart.
    const next = await setup();
    await again.add('audio', 'r2', await next.segment('audio', 0), next.init('audio'), served(10, 1));
    assert.equal(again.durationSec, 4);
    const p = await readFile(join(rec, 'audio.m3u8'), 'utf8');
    assert.deepEqual(
      parseMediaPlaylist(p).segments.map((s) => s.uri),
      ['r1-audio-000000.m4s', 'r1-audio-000001.m4s', 'r1-audio-000002.m4s', 'r2-audio-000000.m4s'],
    );
    assert.equal(p.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);

    await again.finalize({ ...MASTER, video: true });
    const reopened = await Recorder.open(rec);
    assert.equal(reopened.final, true, 'the final state is kept too');
    assert.equal(reopened.durationSec, 4);
    await reopened.add('audio', 'r3', await next.segment('audio', 1), next.init('audio'), served(11));
    assert.equal(reopened.segments('audio').length, 4, 'a final recording takes nothing more');
  });

  it('copies when a hard link is impossible (another filesystem)', async (t) => {
    const shm = '/dev/shm';
    let other: string;
    try {
      other = await mkdtemp(join(shm, 'recorder-test-'));
    } catch {
      t.skip('no /dev/shm');
      return;
    }
    try {
      if ((await stat(other)).dev === (await stat(root)).dev) {
        t.skip('/dev/shm is on the same filesystem as the temp dir');
        return;
      }
      const seg = join(other, 'audio-000000.m4s');
      const initFile = join(other, 'init-audio.mp4');
      await writeFile(seg, 'segment bytes');
      await writeFile(initFile, 'init bytes');
      const { rec } = await setup();
      const r = await Recorder.open(rec);
      await r.add('audio', 'rX', seg, initFile, served(0));
      assert.equal(await readFile(join(rec, 'rX-audio-000000.m4s'), 'utf8'), 'segment bytes');
      assert.equal(await readFile(join(rec, 'rX-init-audio.mp4'), 'utf8'), 'init bytes');
      assert.ok(!(await sameFile(seg, join(rec, 'rX-audio-000000.m4s'))), 'a copy');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('appends: each segment adds one line to the log and a few to its EVENT playlist, whatever came before', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    const sizes: number[] = [];
    for (let i = 0; i < 50; i++) {
      await r.add('audio', 'rA', await segment('audio', i), init('audio'), served(i));
      sizes.push((await readFile(join(rec, 'segments.jsonl'))).length + (await readFile(join(rec, 'audio.m3u8'))).length);
    }
    const growth = sizes.slice(1).map((s, i) => s - sizes[i]!);
    assert.ok(Math.max(...growth.slice(5)) - Math.min(...growth.slice(5)) <= 4, `each add writes about as much as the last: ${growth.join(',')}`);
    const playlist = parseMediaPlaylist(await readFile(join(rec, 'audio.m3u8'), 'utf8'));
    assert.equal(playlist.segments.length, 50, 'the EVENT playlist lists every segment');
  });

  it('a log cut short by a crash loses only its unfinished last line, and later appends are clean', async () => {
    const { rec, segment, init } = await setup();
    const r = await Recorder.open(rec);
    await r.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0));
    await r.add('audio', 'rA', await segment('audio', 1), init('audio'), served(1));
    const log = join(rec, 'segments.jsonl');
    await writeFile(log, (await readFile(log, 'utf8')) + '{"r":"audio","uri":"rA-au');
    const again = await Recorder.open(rec);
    assert.equal(again.segments('audio').length, 2);
    await again.add('audio', 'rA', await segment('audio', 2), init('audio'), served(2));
    const third = await Recorder.open(rec);
    assert.deepEqual(
      third.segments('audio').map((s) => s.uri),
      ['rA-audio-000000.m4s', 'rA-audio-000001.m4s', 'rA-audio-000002.m4s'],
    );
  });

  it('opens a recording made before the log (segments.json) and carries on with a log', async () => {
    const { rec, segment, init } = await setup();
    await mkdir(rec, { recursive: true });
    const old = { segments: { audio: [{ ...served(0), uri: 'rA-audio-000000.m4s', map: 'rA-init-audio.mp4' }], video: [] }, final: false };
    await writeFile(join(rec, 'segments.json'), JSON.stringify(old));
    const r = await Recorder.open(rec);
    assert.equal(r.segments('audio').length, 1);
    await r.add('audio', 'rB', await segment('audio', 1), init('audio'), served(1));
    const again = await Recorder.open(rec);
    assert.deepEqual(
      again.segments('audio').map((s) => s.uri),
      ['rA-audio-000000.m4s', 'rB-audio-000001.m4s'],
    );
  });

  it('read() changes nothing while another process writes the recording (shared storage in a cluster)', async () => {
    const { rec, segment, init } = await setup();
    const writer = await Recorder.open(rec);
    await writer.add('audio', 'rA', await segment('audio', 0), init('audio'), served(0));
    const log = join(rec, 'segments.jsonl');
    // The writer is in the middle of appending a line when the reader looks.
    const partial = (await readFile(log, 'utf8')) + '{"r":"audio","uri":"rA-au';
    await writeFile(log, partial);
    const playlistBefore = await readFile(join(rec, 'audio.m3u8'), 'utf8');
    const reader = await Recorder.read(rec);
    assert.equal(reader.segments('audio').length, 1, 'the whole lines');
    assert.equal(reader.durationSec, 1);
    await reader.flush();
    assert.equal(await readFile(log, 'utf8'), partial, 'the log is not cut');
    assert.equal(await readFile(join(rec, 'audio.m3u8'), 'utf8'), playlistBefore, 'the playlist is not rewritten');
  });
});
