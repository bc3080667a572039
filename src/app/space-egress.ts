// The HLS side of one live Space: it runs an encoder in the codec worker, fed by the room's
// tap, while anyone needs it (listeners on the HLS tier, "Record Space", or a node configured
// to always publish HLS),
// follows each encoder run's output, serves the live playlists, hands finished segments to
// the recording, and records the speaker timeline from the detector's decisions.
import { removeTree } from '../egress/remove-tree.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RoomHandle } from '../media/room/room-handle.js';
import type { EncoderEvent, EncoderRunOptions, EncodingOptions } from '../egress/encoding.js';
import { HlsStream, type CarriedSegment } from '../egress/hls-stream.js';
import { renderMasterPlaylist, type LiveRendition } from '../egress/hls-playlist.js';
import { LOW_AUDIO_DEFAULTS } from '../egress/encoding.js';
import type { RecordingService } from './recording-service.js';

export type HlsMode = 'on-demand' | 'always' | 'off';

/** What a Space's HLS egress needs from whoever runs encoders (the codec worker). */
export interface Encoders {
  start(room: string, options: EncoderRunOptions): void;
  /** Stops the room's encoder; 'stopped' (for `dir`) is reported once it has exited. */
  stop(room: string, dir: string): void;
  /** Events of one room's encoder; returns a function that unsubscribes. */
  subscribe(room: string, listener: (event: EncoderEvent) => void): () => void;
}

export interface EgressSettings {
  mode: HlsMode;
  /** Live HLS files: one directory per Space, one below it per encoder run. */
  root: string;
  encoding: EncodingOptions;
  windowSegments: number;
  /** How long the encoder keeps running after the last reason for it went away. */
  lingerMs: number;
}

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

export interface SpaceEgressOptions {
  spaceId: string;
  title: string;
  room: RoomHandle;
  encoders: Encoders;
  settings: EgressSettings;
  recordings: RecordingService;
  /** A participant's handle, for the recording's speaker timeline. */
  handleOf: (userId: string) => string | undefined;
  log: Logger;
}

export class SpaceEgress {
  private hlsAudience = 0;
  private recording = false;
  private runTag: string | null = null;
  private stream: HlsStream | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private sequence: Record<LiveRendition, number> = { audio: 0, video: 0, low: 0 };
  private discontinuity = 0;
  /** EXT-X-TARGETDURATION of each live playlist, kept across runs (RFC 8216 §6.2.1: it never changes). */
  private targets: Record<LiveRendition, number> | null = null;
  /**
   * After the encoder died, the dead run's segments (listed and kept behind), which the next run
   * carries on, and its last playlists, served until then (RFC 8216 §6.2.2: a player keeps
   * reloading, and fetches what was listed).
   */
  private carried: Record<LiveRendition, CarriedSegment[]> | null = null;
  private frozen: Record<LiveRendition, string | null> | null = null;
  /** Earlier runs' directories still served, until their carried segments have scrolled out. */
  private readonly keptDirs = new Set<string>();
  private closed = false;
  /** Resolves the wait in close() when the encoder has exited and its last segments are in. */
  private onRunEnded: (() => void) | null = null;
  /** Segments being linked into the recording: a run's files stay until these are done. */
  private readonly pendingAdds = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  readonly master: string;

  readonly spaceId: string;
  private readonly title: string;
  private readonly room: RoomHandle;
  private readonly encoders: Encoders;
  private readonly settings: EgressSettings;
  private readonly recordings: RecordingService;
  private readonly handleOf: (userId: string) => string | undefined;
  private readonly log: Logger;

  constructor({ spaceId, title, room, encoders, settings, recordings, handleOf, log }: SpaceEgressOptions) {
    this.spaceId = spaceId;
    this.title = title;
    this.room = room;
    this.encoders = encoders;
    this.settings = settings;
    this.recordings = recordings;
    this.handleOf = handleOf;
    this.log = log;
    this.master = renderMasterPlaylist({ ...settings.encoding, video: true, lowAudioKbps: settings.encoding.lowAudioKbps ?? LOW_AUDIO_DEFAULTS.kbps });
    this.unsubscribe = encoders.subscribe(spaceId, (e) => this.onEncoder(e));
    room.on('activeSpeaker', (userId) => {
      if (!this.recording) return;
      this.recordings.speaker(this.spaceId, this.speakerOf(userId), Date.now()).catch((err) => this.fail(err));
    });
    // A node that always publishes HLS starts with the Space, before anyone joins.
    this.evaluate();
  }

  /** Live HLS is served (or about to be) for this Space. */
  get running(): boolean {
    return this.runTag !== null;
  }

  playlist(rendition: LiveRendition): string | null {
    return this.stream?.playlist(rendition) ?? this.frozen?.[rendition] ?? null;
  }

  /** Absolute path of a live file, or null if the name is not one of the current run's (or of a dead run's still carried). */
  filePath(runTag: string, name: string): string | null {
    if ((runTag !== this.runTag && !this.keptDirs.has(this.dirOf(runTag))) || !/^(audio|video|low)-\d{6}\.m4s$|^init-(audio|video|low)\.mp4$/.test(name))
      return null;
    return join(this.dirOf(runTag), name);
  }

  setHlsAudience(n: number): void {
    this.hlsAudience = n;
    this.evaluate();
  }

  setRecording(on: boolean): void {
    if (on === this.recording) return;
    this.recording = on;
    if (on) {
      this.recordings
        .begin({ id: this.spaceId, title: this.title }, Date.now())
        .then(() => this.recordings.speaker(this.spaceId, this.speakerOf(this.room.activeSpeaker), Date.now()))
        .catch((err) => this.fail(err));
    } else {
      this.recordings.speaker(this.spaceId, null, Date.now()).catch((err) => this.fail(err));
    }
    this.evaluate();
  }

  /** Someone on stage turned a camera on: the recording will have a picture worth showing. */
  noteCamera(): void {
    if (this.recording) this.recordings.noteVideo(this.spaceId).catch((err) => this.fail(err));
  }

  /** A timeline entry for the active speaker (null: nobody, or someone no longer here). */
  private speakerOf(userId: string | null): { userId: string; handle: string } | null {
    const handle = userId === null ? undefined : this.handleOf(userId);
    return userId !== null && handle ? { userId, handle } : null;
  }

  private fail(err: unknown): void {
    this.log.error({ err }, 'recording bookkeeping failed');
  }

  /** The Space ended (or the server stops): stop the encoder, keep its last segments if recording. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    if (this.runTag) {
      // Let ffmpeg finish its last segment (the end of a recording) before we stop following it.
      const ended = new Promise<void>((resolve) => (this.onRunEnded = resolve));
      this.encoders.stop(this.spaceId, this.dirOf(this.runTag));
      await Promise.race([ended, new Promise((r) => setTimeout(r, 8000).unref())]);
    }
    this.unsubscribe();
    this.room.setEncoderTap(false);
    await this.endRun(true);
    await removeTree(join(this.settings.root, this.spaceId));
  }

  private get wanted(): boolean {
    if (this.closed) return false;
    return this.recording || (this.settings.mode !== 'off' && (this.settings.mode === 'always' || this.hlsAudience > 0));
  }

  private evaluate(): void {
    if (this.wanted) {
      if (this.stopTimer) clearTimeout(this.stopTimer);
      this.stopTimer = null;
      if (!this.runTag && !this.retryTimer) this.start();
    } else if (!this.runTag && this.carried) {
      // The encoder died and is no longer needed: nobody waits for its window any more.
      void this.dropCarried();
    } else if (this.runTag && !this.stopTimer) {
      this.stopTimer = setTimeout(() => {
        this.stopTimer = null;
        if (this.wanted) return;
        this.log.info('HLS egress no longer needed: stopping');
        if (this.runTag) this.encoders.stop(this.spaceId, this.dirOf(this.runTag));
      }, this.settings.lingerMs);
      this.stopTimer.unref();
    }
  }

  private start(): void {
    // A new name per run: segment URLs are cached as immutable, so a run never reuses one.
    this.runTag = `r${Date.now().toString(36)}`;
    this.encoders.start(this.spaceId, { ...this.settings.encoding, dir: this.dirOf(this.runTag) });
    this.log.info({ run: this.runTag }, 'HLS egress starting');
  }

  private onEncoder(e: EncoderEvent): void {
    const runTag = this.runTag;
    if (runTag === null || e.dir !== this.dirOf(runTag)) return;
    if (e.state === 'running') {
      this.failures = 0;
      // Tapped only now: the stage video then starts on a keyframe, with its source named,
      // which the encoder must hear (what the tap sent while it started would be lost).
      this.room.setEncoderTap(true);
      const stream = new HlsStream({
        dir: e.dir,
        uriPrefix: `${runTag}/`,
        startedAtMs: e.startedAtMs,
        windowSegments: this.settings.windowSegments,
        lowWindowSegments: lowWindow(this.settings),
        keepBehind: this.settings.windowSegments,
        mediaSequenceBase: this.sequence,
        discontinuitySequence: this.discontinuity,
        targetSeconds: this.targets ?? initialTargets(this.settings),
        carried: this.carried ?? undefined,
      });
      this.carried = this.frozen = null;
      stream.on('released', (dir) => void this.release(dir));
      stream.on('segment', (seg) => {
        if (!this.recording) return;
        const add = this.recordings
          .addSegment(this.spaceId, runTag, seg)
          .catch((err) => this.log.error({ err, file: seg.file }, 'could not keep a segment in the recording'))
          .finally(() => this.pendingAdds.delete(add));
        this.pendingAdds.add(add);
      });
      this.stream = stream;
      return;
    }
    if (e.state === 'failed') this.log.error({ error: e.error }, 'HLS egress failed');
    this.room.setEncoderTap(false);
    // A dead encoder's window is carried on by the next run; a stopped one's is not wanted.
    void this.endRun(true, e.state === 'failed' && this.wanted)
      .then(() => {
        this.onRunEnded?.();
        this.onRunEnded = null;
        if (e.state !== 'failed' || !this.wanted) return this.evaluate();
        const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]!;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.evaluate();
        }, delay);
        this.retryTimer.unref();
      })
      .catch((err: unknown) => this.log.error({ err }, 'ending an HLS run failed'));
  }

  /** `carryOn`: keep serving the run's window (and files) for the next run to carry on. */
  private async endRun(removeFiles: boolean, carryOn = false): Promise<void> {
    const stream = this.stream;
    const runTag = this.runTag;
    this.stream = null;
    this.runTag = null;
    if (!stream) {
      // Died before it ran: whatever an earlier run left to carry on still waits for the next.
      if (runTag && removeFiles) await removeTree(this.dirOf(runTag));
      if (!carryOn) await this.dropCarried();
      return;
    }
    const lastPlaylists = () => ({ audio: stream.playlist('audio'), video: stream.playlist('video'), low: stream.playlist('low') });
    // Served from now on, without a gap while the last segments are picked up: the playlists,
    // and the files they list (runTag is no longer the current run's).
    if (carryOn) {
      this.frozen = lastPlaylists();
      if (runTag) this.keptDirs.add(this.dirOf(runTag));
    }
    await stream.close(false);
    this.sequence = stream.nextSequence();
    this.targets = stream.targetSeconds();
    // The next run's first segment follows a discontinuity; a run that made none adds none.
    if (stream.madeSegments) this.discontinuity++;
    await Promise.all(this.pendingAdds);
    if (carryOn && runTag) {
      this.carried = stream.carry();
      this.frozen = lastPlaylists();
      this.keptDirs.add(this.dirOf(runTag));
      const listed = new Set(Object.values(this.carried).flatMap((segments) => segments.map((s) => s.dir)));
      for (const dir of [...this.keptDirs]) if (!listed.has(dir)) await this.release(dir);
      return;
    }
    if (removeFiles && runTag) await removeTree(this.dirOf(runTag));
    await this.dropCarried();
  }

  /** An earlier run's segments have all scrolled out of the window and the keep-behind allowance. */
  private async release(dir: string): Promise<void> {
    if (!this.keptDirs.delete(dir)) return;
    await removeTree(dir).catch((err: unknown) => this.log.warn({ err, dir }, 'could not remove an HLS run'));
  }

  private async dropCarried(): Promise<void> {
    this.carried = this.frozen = null;
    for (const dir of [...this.keptDirs]) await this.release(dir);
  }

  private clearTimers(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stopTimer = this.retryTimer = null;
  }

  private dirOf(runTag: string): string {
    return join(this.settings.root, this.spaceId, runTag);
  }
}

/**
 * Low data mode's playlist covers at least the time the others do, and at least four of its
 * longer segments (a player needs three target durations, and one more for slack).
 */
function lowWindow(s: EgressSettings): number {
  const { segmentSeconds, lowSegmentSeconds = LOW_AUDIO_DEFAULTS.segmentSeconds } = s.encoding;
  return Math.max(4, Math.ceil((s.windowSegments * segmentSeconds) / lowSegmentSeconds));
}

/** Each live playlist's target duration to begin with: its encoder's segment length, rounded up. */
function initialTargets(s: EgressSettings): Record<LiveRendition, number> {
  const { segmentSeconds, lowSegmentSeconds = LOW_AUDIO_DEFAULTS.segmentSeconds } = s.encoding;
  return { audio: Math.ceil(segmentSeconds), video: Math.ceil(segmentSeconds), low: Math.ceil(lowSegmentSeconds) };
}
