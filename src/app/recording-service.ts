// Recordings of Spaces: the database rows, the files (through Recorder), the speaker
// timeline taken from the detector's decisions, retention, and recovery after a restart.
// A recording stays open across server restarts while its Space is live, and is finished
// (VOD playlists, duration, expiry) when the Space ends.
import { randomBytes } from 'node:crypto';
import { removeTree } from '../egress/remove-tree.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Recorder } from '../egress/recorder.js';
import type { MasterOptions, ServedSegment } from '../egress/hls-playlist.js';
import type { NewSegment } from '../egress/hls-stream.js';
import type { RecordingRecord, RecordingStore, SpeakerTurn } from '../store/recording-store.js';
import { RECORDING_COMMENT_LIMIT, type RecordingView } from '../protocol/messages.js';
import type { CommentRecord } from '../store/comment-store.js';

export interface RecordingOptions {
  /** Where recordings live: one directory per recording. */
  root: string;
  /** Days a finished recording is kept; 0 keeps it forever. */
  retentionDays: number;
  master: Omit<MasterOptions, 'video'>;
  /** The encoder's segment length (the recording's EVENT playlists take their target from it). */
  segmentSeconds: number;
}

/** Where the replay's comments come from (the CommentStore). */
export interface RecordedComments {
  /** Comments posted from `fromMs` to `toMs` inclusive, oldest first, at most `limit`. */
  between(spaceId: string, fromMs: number, toMs: number, limit: number): Promise<CommentRecord[]>;
}

interface OpenRecording {
  record: RecordingRecord;
  recorder: Recorder;
}

const SAFE_FILE = /^[A-Za-z0-9_-]+\.(m3u8|m4s|mp4)$/;
const SWEEP_INTERVAL_MS = 3600_000;

export class RecordingService {
  private readonly open = new Map<string, Promise<OpenRecording>>();
  private readonly sweepTimer: ReturnType<typeof setInterval>;
  private readonly recorderOptions: { segmentSeconds: number };

  constructor(
    private readonly store: RecordingStore,
    private readonly options: RecordingOptions,
    private readonly log: Logger,
    private readonly comments?: RecordedComments,
  ) {
    this.recorderOptions = { segmentSeconds: options.segmentSeconds };
    this.sweepTimer = setInterval(() => void this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Opens the Space's recording (resuming one left open by an earlier process). Idempotent. */
  begin(space: { id: string; title: string }, nowMs: number): Promise<OpenRecording> {
    let rec = this.open.get(space.id);
    if (!rec) {
      rec = this.openFor(space, nowMs);
      this.open.set(space.id, rec);
      rec.catch((err) => {
        this.open.delete(space.id);
        this.log.error({ err, space: space.id }, 'could not open recording');
      });
    }
    return rec;
  }

  isOpen(spaceId: string): boolean {
    return this.open.has(spaceId);
  }

  /** Keeps one live segment in the Space's open recording. */
  async addSegment(spaceId: string, runTag: string, seg: NewSegment): Promise<void> {
    const rec = await this.open.get(spaceId);
    if (!rec) return;
    await rec.recorder.add(seg.rendition, runTag, seg.file, seg.initFile, seg.served);
  }

  /** The detector's decision, as a turn of the timeline (null closes the current turn). */
  async speaker(spaceId: string, speaker: { userId: string; handle: string } | null, nowMs: number): Promise<void> {
    const rec = await this.open.get(spaceId);
    if (!rec) return;
    const turns = rec.record.turns;
    const last = turns[turns.length - 1];
    if (last && last.endMs === null) {
      if (speaker && last.userId === speaker.userId) return;
      last.endMs = nowMs;
    }
    if (speaker) turns.push({ userId: speaker.userId, handle: speaker.handle, startMs: nowMs, endMs: null });
    await this.store.update(rec.record);
  }

  async noteVideo(spaceId: string): Promise<void> {
    const rec = await this.open.get(spaceId);
    if (!rec || rec.record.hasVideo) return;
    rec.record.hasVideo = true;
    await this.store.update(rec.record);
  }

  /** The Space ended: the recording becomes a VOD with its final duration and expiry. */
  async finish(spaceId: string, nowMs: number): Promise<void> {
    const pending = this.open.get(spaceId);
    if (!pending) return;
    this.open.delete(spaceId);
    const rec = await pending;
    await this.finalize(rec, nowMs);
  }

  /**
   * This node stops running the Space but it goes on (a drain, or another node took it over):
   * what is written is flushed and the recording stays open, for the next owner to resume.
   */
  async release(spaceId: string): Promise<void> {
    const pending = this.open.get(spaceId);
    if (!pending) return;
    this.open.delete(spaceId);
    const rec = await pending.catch(() => null);
    await rec?.recorder.flush();
  }

  /** After a restart: finish recordings whose Space is no longer live; the others resume on begin(). */
  async restore(isLive: (spaceId: string) => boolean): Promise<void> {
    for (const record of await this.store.listByState('recording')) {
      if (isLive(record.spaceId)) continue;
      const recorder = await Recorder.open(this.dirOf(record.id), this.recorderOptions);
      await this.finalize({ record, recorder }, record.endedAt ?? Date.now());
    }
    await this.sweep(Date.now());
  }

  /** The Space's latest recording is finished and playable (without reading its files, as view() does). */
  async replayReady(spaceId: string): Promise<boolean> {
    return (await this.store.latestForSpace(spaceId))?.state === 'ready';
  }

  async view(spaceId: string): Promise<RecordingView | undefined> {
    const record = await this.store.latestForSpace(spaceId);
    if (!record) return undefined;
    const open = this.open.get(spaceId);
    const recorder = open ? (await open).recorder : await Recorder.read(this.dirOf(record.id), this.recorderOptions);
    const audio = recorder.segments('audio');
    const timeline = [];
    for (const t of record.turns) {
      const startSec = round(toRecordingSec(t.startMs, audio));
      const endSec = round(toRecordingSec(t.endMs ?? record.endedAt ?? Date.now(), audio));
      if (endSec > startSec) timeline.push({ userId: t.userId, handle: t.handle, startSec, endSec });
    }
    // The comments of the recording's span, on the same clock as the timeline (deleted ones are gone from the store).
    const posted = this.comments ? await this.comments.between(spaceId, record.startedAt, record.endedAt ?? Date.now(), RECORDING_COMMENT_LIMIT) : [];
    const comments = posted.map((c) => ({
      id: c.id,
      userId: c.userId,
      handle: c.handle,
      text: c.text,
      at: new Date(c.createdAt).toISOString(),
      atSec: round(toRecordingSec(c.createdAt, audio)),
    }));
    return {
      id: record.id,
      spaceId: record.spaceId,
      title: record.title,
      state: record.state,
      startedAt: new Date(record.startedAt).toISOString(),
      endedAt: record.endedAt === null ? null : new Date(record.endedAt).toISOString(),
      durationSec: round(record.state === 'recording' ? recorder.durationSec : record.durationSec),
      playlistUrl: `/recordings/${record.id}/master.m3u8`,
      hasVideo: record.hasVideo,
      timeline,
      comments,
      expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    };
  }

  /** Absolute path of a recording's file, or null for a name that is not one of ours. */
  filePath(recordingId: string, name: string): string | null {
    if (!/^[A-Za-z0-9_-]{6,40}$/.test(recordingId) || !SAFE_FILE.test(name) || name.endsWith('.tmp')) return null;
    return join(this.dirOf(recordingId), name);
  }

  async sweep(nowMs: number): Promise<number> {
    const expired = await this.store.expired(nowMs);
    for (const r of expired) {
      await removeTree(this.dirOf(r.id));
      await this.store.delete(r.id);
      this.log.info({ recording: r.id, space: r.spaceId }, 'recording expired and deleted');
    }
    return expired.length;
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const rec of this.open.values()) await (await rec.catch(() => null))?.recorder.flush();
  }

  private async openFor(space: { id: string; title: string }, nowMs: number): Promise<OpenRecording> {
    const existing = await this.store.latestForSpace(space.id);
    if (existing && existing.state === 'recording') {
      this.log.info({ space: space.id, recording: existing.id }, 'resuming recording');
      return { record: existing, recorder: await Recorder.open(this.dirOf(existing.id), this.recorderOptions) };
    }
    const record: RecordingRecord = {
      id: randomBytes(9).toString('base64url'),
      spaceId: space.id,
      title: space.title,
      state: 'recording',
      startedAt: nowMs,
      endedAt: null,
      durationSec: 0,
      hasVideo: false,
      turns: [] as SpeakerTurn[],
      expiresAt: null,
    };
    const recorder = await Recorder.open(this.dirOf(record.id), this.recorderOptions);
    await this.store.create(record);
    this.log.info({ space: space.id, recording: record.id }, 'recording started');
    return { record, recorder };
  }

  private async finalize({ record, recorder }: OpenRecording, nowMs: number): Promise<void> {
    const last = record.turns[record.turns.length - 1];
    if (last && last.endMs === null) last.endMs = nowMs;
    try {
      await recorder.finalize({ ...this.options.master, video: record.hasVideo });
      record.state = recorder.durationSec > 0 ? 'ready' : 'failed';
    } catch (err) {
      this.log.error({ err, recording: record.id }, 'could not finalize recording');
      record.state = 'failed';
    }
    record.endedAt = nowMs;
    record.durationSec = recorder.durationSec;
    const days = this.options.retentionDays;
    record.expiresAt = days > 0 ? nowMs + days * 86_400_000 : null;
    await this.store.update(record);
    this.log.info({ recording: record.id, space: record.spaceId, state: record.state, durationSec: record.durationSec }, 'recording finished');
  }

  private dirOf(recordingId: string): string {
    return join(this.options.root, recordingId);
  }
}

/** Where a wall-clock moment falls in the recording; moments in a gap snap to what follows. */
export function toRecordingSec(wallMs: number, segments: readonly ServedSegment[]): number {
  let at = 0;
  for (const s of segments) {
    if (wallMs < s.wallStartMs) return at;
    const end = s.wallStartMs + s.duration * 1000;
    if (wallMs < end) return at + (wallMs - s.wallStartMs) / 1000;
    at += s.duration;
  }
  return at;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
