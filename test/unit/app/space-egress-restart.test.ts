// A Space's live HLS across an encoder that dies (src/app/space-egress.ts): the dead run's
// playlists and files are served until the next run's segments carry its window on, then its
// directory goes once its segments have scrolled out. The codec worker is a fake that reports
// what the real one does; the segments are written as ffmpeg writes them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SpaceEgress, type Encoders } from '../../../src/app/space-egress.js';
import type { EncoderEvent } from '../../../src/egress/encoding.js';
import type { RoomHandle } from '../../../src/media/room/room-handle.js';
import type { RecordingService } from '../../../src/app/recording-service.js';
import { ffmpegWrites } from '../../helpers/ffmpeg-hls-writer.js';
import { until } from '../../helpers/waiting.js';
import { checkMediaText, checkReload, type MediaCheck } from '../../helpers/hls-conformance.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'space-egress-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

class FakeEncoders implements Encoders {
  readonly dirs: string[] = [];
  private listener: ((e: EncoderEvent) => void) | null = null;
  start(_room: string, options: { dir: string }): void {
    // The encoder makes its directory.
    mkdirSync(options.dir, { recursive: true });
    this.dirs.push(options.dir);
  }
  stop(_room: string, dir: string): void {
    queueMicrotask(() => this.report({ state: 'stopped', dir }));
  }
  subscribe(_room: string, listener: (e: EncoderEvent) => void): () => void {
    this.listener = listener;
    return () => (this.listener = null);
  }
  report(e: EncoderEvent): void {
    this.listener?.(e);
  }
}

describe('SpaceEgress across an encoder restart', () => {
  it('keeps serving the dead run’s playlist and files, carries its window on with a discontinuity, then removes it', { timeout: 30_000 }, async () => {
    const encoders = new FakeEncoders();
    const room = Object.assign(new EventEmitter(), { activeSpeaker: null, setEncoderTap() {} }) as unknown as RoomHandle;
    const egress = new SpaceEgress({
      spaceId: 's1',
      title: 'Restart',
      room,
      encoders,
      settings: {
        mode: 'always',
        root,
        encoding: { ffmpegPath: 'ffmpeg', width: 640, height: 360, fps: 30, videoKbps: 800, audioKbps: 64, segmentSeconds: 1 },
        windowSegments: 3,
        lingerMs: 1000,
      },
      recordings: {} as RecordingService,
      handleOf: () => undefined,
      log: pino({ level: 'silent' }),
    });
    try {
      let last: MediaCheck | null = null;
      /** A player's reload of the audio playlist, checked on its own and against the one before. */
      const reload = () => {
        const text = egress.playlist('audio');
        assert.ok(text, 'the audio playlist is served');
        const check = checkMediaText(text, false);
        assert.deepEqual(check.problems, []);
        if (last) assert.deepEqual(checkReload(last, check), []);
        last = check;
        return { text, check };
      };
      const served = (uri: string) => {
        const [run, file] = uri.split('/') as [string, string];
        const path = egress.filePath(run, file);
        return path !== null && existsSync(path);
      };
      const first = encoders.dirs[0]!;
      encoders.report({ state: 'running', dir: first, startedAtMs: Date.now() });
      await ffmpegWrites(first, 'audio', [1, 1, 1, 1]);
      await until(async () => (egress.playlist('audio')?.includes('audio-000003') ? true : undefined), 5000, 'the first run’s segments');
      const before = reload();
      encoders.report({ state: 'failed', dir: first, error: 'the codec worker died' });
      assert.equal(reload().text, before.text, 'served on at once');
      // Until the retry (1 s) starts a new run: the same playlist, and its segments still there.
      await until(async () => (encoders.dirs.length === 2 ? true : undefined), 5000, 'the retry');
      assert.equal(reload().text, before.text, 'the dead run’s playlist, frozen');
      for (const s of before.check.segments) assert.ok(served(s.uri), `${s.uri} still served`);

      const second = encoders.dirs[1]!;
      encoders.report({ state: 'running', dir: second, startedAtMs: Date.now() });
      assert.equal(reload().text, before.text, 'frozen until the new run’s first segment');
      const durations: number[] = [];
      const next = async () => {
        durations.push(1);
        await ffmpegWrites(second, 'audio', durations);
        await until(
          async () => (egress.playlist('audio')?.includes(`audio-${String(durations.length - 1).padStart(6, '0')}`) ? true : undefined),
          5000,
          'a segment',
        );
        return reload();
      };
      let now = await next();
      assert.match(now.text, /#EXT-X-DISCONTINUITY\n/);
      assert.equal(now.check.discontinuitySequence, before.check.discontinuitySequence);
      assert.equal(now.check.mediaSequence, before.check.mediaSequence + 1);
      for (const s of now.check.segments) assert.ok(served(s.uri), `${s.uri} served`);
      now = await next();
      now = await next();
      assert.ok(!now.text.includes('#EXT-X-DISCONTINUITY\n'), 'the first run scrolled out');
      assert.equal(now.check.discontinuitySequence, before.check.discontinuitySequence + 1);
      // Kept behind the window (keepBehind = windowSegments = 3) until six of the new run's segments.
      const firstDir = first;
      assert.ok(existsSync(firstDir) && served(before.check.segments.at(-1)!.uri), 'the dead run’s last segment, behind the window, still served');
      for (let i = 0; i < 3; i++) await next();
      await until(async () => (existsSync(firstDir) ? undefined : true), 5000, 'the dead run’s directory removed');
      assert.ok(!served(before.check.segments.at(-1)!.uri));
    } finally {
      await egress.close();
    }
  });
});
