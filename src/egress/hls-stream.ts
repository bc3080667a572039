// The origin's view of one encoder run: it follows the playlists ffmpeg writes, serves a
// sliding window of them (with wall-clock times), announces each finished segment (so a
// recording can keep it), and deletes segments that fell out of the window. ffmpeg lists only
// its latest segments (FFMPEG_LIST_SIZE) and numbers them (EXT-X-MEDIA-SEQUENCE), and this
// keeps only the window and what is still on disk, so each new segment costs the same at
// hour three as at minute one.
import { EventEmitter } from 'node:events';
import { readFile, stat, unlink } from 'node:fs/promises';
import { removeTree } from './remove-tree.js';
import { join } from 'node:path';
import { FFMPEG_PLAYLIST } from './ffmpeg-hls.js';
import { parseMediaPlaylist } from '../protocol/hls-playlists.js';
import { LIVE_RENDITIONS, renderLivePlaylist, targetDuration, type LiveRendition, type Rendition, type ServedSegment } from './hls-playlist.js';

const POLL_MS = 100;

export interface HlsStreamOptions {
  /** ffmpeg's output directory for this run. */
  dir: string;
  /** URI prefix of this run's files, relative to the live playlists (e.g. "r3/"). */
  uriPrefix: string;
  /** Wall-clock time of media time 0. */
  startedAtMs: number;
  /** Segments in the live playlists: enough for a player's 3-target-duration rule, and a little slack. */
  windowSegments: number;
  /** The same for Low data mode's playlist, whose segments are longer (default: windowSegments). */
  lowWindowSegments?: number;
  /** Segments kept on disk behind the window, for players and caches still fetching them. */
  keepBehind: number;
  /** Continue the previous run's numbering, so players see one stream with a discontinuity. */
  mediaSequenceBase: Record<Rendition, number> & { low?: number };
  /** Each playlist's EXT-X-TARGETDURATION so far (the encoder's segment length, rounded up; or the previous run's). */
  targetSeconds: Record<LiveRendition, number>;
  discontinuitySequence: number;
}

export interface NewSegment {
  rendition: Rendition;
  /** Absolute paths of the segment and its init segment. */
  file: string;
  initFile: string;
  served: ServedSegment;
}

interface Track {
  mtimeMs: number;
  /** Segments ffmpeg has finished in this run (the next one's sequence number, from 0). */
  count: number;
  /** The latest segments, served or still on disk behind the window, oldest first. */
  recent: Array<{ served: ServedSegment; file: string }>;
  mediaEnd: number;
  text: string | null;
}

export class HlsStream extends EventEmitter<{ segment: [NewSegment]; missed: [rendition: Rendition, segments: number] }> {
  private readonly tracks: Record<LiveRendition, Track>;
  private readonly timer: ReturnType<typeof setInterval>;
  /** The poll in progress: concurrent callers share it, so two never read a playlist at once. */
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private readonly targets: Record<LiveRendition, number>;

  constructor(readonly options: HlsStreamOptions) {
    super();
    this.targets = { ...options.targetSeconds };
    const empty = (): Track => ({ mtimeMs: 0, count: 0, recent: [], mediaEnd: 0, text: null });
    this.tracks = { audio: empty(), video: empty(), low: empty() };
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  /** The live media playlist, or null before its first segment exists. */
  playlist(rendition: LiveRendition): string | null {
    return this.tracks[rendition].text;
  }

  /** Each playlist's target duration as declared, for the run that follows this one to keep. */
  targetSeconds(): Record<LiveRendition, number> {
    return { ...this.targets };
  }

  /** The next media sequence number of each rendition, for the run that follows this one. */
  nextSequence(): Record<LiveRendition, number> {
    const base = this.options.mediaSequenceBase;
    return {
      audio: base.audio + this.tracks.audio.count,
      video: base.video + this.tracks.video.count,
      low: (base.low ?? 0) + this.tracks.low.count,
    };
  }

  segmentCount(rendition: LiveRendition): number {
    return this.tracks[rendition].count;
  }

  /** Stops following; `removeFiles` deletes the run's directory (live segments are disposable). */
  async close(removeFiles: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    // Let a timer poll finish, then look once more: the last segments ffmpeg wrote while
    // stopping must still be announced, so a recording keeps them.
    await this.inFlight;
    await this.pollNow();
    this.removeAllListeners();
    if (removeFiles) await removeTree(this.options.dir);
  }

  /** Reads ffmpeg's playlists now (the timer does this every 100 ms). */
  poll(): Promise<void> {
    if (this.closed) return this.inFlight ?? Promise.resolve();
    return this.pollNow();
  }

  private pollNow(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = (async () => {
        for (const r of LIVE_RENDITIONS) await this.refresh(r);
      })().finally(() => (this.inFlight = null));
    }
    return this.inFlight;
  }

  private async refresh(rendition: LiveRendition): Promise<void> {
    const track = this.tracks[rendition];
    const path = join(this.options.dir, FFMPEG_PLAYLIST[rendition]);
    let text: string;
    try {
      const st = await stat(path);
      if (st.mtimeMs === track.mtimeMs) return;
      track.mtimeMs = st.mtimeMs;
      text = await readFile(path, 'utf8');
    } catch {
      return; // not written yet
    }
    const parsed = parseMediaPlaylist(text);
    if (!parsed.map) return;
    const prefix = this.options.uriPrefix;
    // ffmpeg numbers its segments from 0: the first it lists is parsed.mediaSequence.
    let missed = 0;
    for (let i = 0; i < parsed.segments.length; i++) {
      const seq = parsed.mediaSequence + i;
      if (seq < track.count) continue;
      const seg = parsed.segments[i]!;
      if (seq > track.count) {
        // Fell further behind than ffmpeg's list reaches: those segments are lost to us, but
        // their time still passed, so later ones keep their wall-clock starts.
        missed += seq - track.count;
        track.mediaEnd += (seq - track.count) * parsed.targetDuration;
        track.count = seq;
      }
      const served: ServedSegment = {
        uri: prefix + seg.uri,
        duration: seg.duration,
        wallStartMs: Math.round(this.options.startedAtMs + track.mediaEnd * 1000),
        map: prefix + parsed.map,
      };
      track.mediaEnd += seg.duration;
      track.count++;
      track.recent.push({ served, file: seg.uri });
      // Low data mode's rendition is live only: a recording keeps the other two.
      if (rendition !== 'low')
        this.emit('segment', {
          rendition,
          file: join(this.options.dir, seg.uri),
          initFile: join(this.options.dir, parsed.map),
          served,
        });
    }
    if (missed > 0 && rendition !== 'low') this.emit('missed', rendition, missed);
    const { keepBehind, mediaSequenceBase, discontinuitySequence } = this.options;
    const windowSegments = rendition === 'low' ? (this.options.lowWindowSegments ?? this.options.windowSegments) : this.options.windowSegments;
    const window = track.recent.slice(-windowSegments).map((r) => r.served);
    this.targets[rendition] = Math.max(this.targets[rendition], targetDuration(window));
    track.text = renderLivePlaylist({
      mediaSequence: (mediaSequenceBase[rendition] ?? 0) + track.count - window.length,
      discontinuitySequence,
      segments: window,
      targetDuration: this.targets[rendition],
    });
    // Drop the oldest segments and their bookkeeping; a recording has hard links of its own.
    while (track.recent.length > windowSegments + keepBehind) {
      const old = track.recent.shift()!;
      await unlink(join(this.options.dir, old.file)).catch(() => undefined);
    }
  }
}
