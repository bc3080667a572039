// The origin's view of one encoder run: it follows the playlists ffmpeg writes, serves a
// sliding window of them (with wall-clock times), announces each finished segment (so a
// recording can keep it), and deletes segments that fell out of the window. ffmpeg lists only
// its latest segments (FFMPEG_LIST_SIZE) and numbers them (EXT-X-MEDIA-SEQUENCE), and this
// keeps only the window and what is still on disk, so each new segment costs the same at
// hour three as at minute one. After an encoder restart, the next run's stream starts with the
// dead run's window (carried): its playlists go on from where the dead run's stopped, with a
// discontinuity before the new run's first segment, and the dead run's files stay until its
// segments have scrolled out of the window and the keep-behind allowance.
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
  /** The discontinuity sequence number of this run's segments. */
  discontinuitySequence: number;
  /** The previous runs' segments still listed or kept behind the window (see carry()); never announced again. */
  carried?: Record<LiveRendition, readonly CarriedSegment[]>;
}

/** A segment served by an earlier run, still listed or kept behind the window by a later one. */
export interface CarriedSegment {
  served: ServedSegment;
  /** Its run's directory, removed once none of its segments is carried any more. */
  dir: string;
  seq: number;
  discontinuity: number;
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
  /** The latest segments, served or still on disk behind the window, oldest first; `file` is relative to `dir`. */
  recent: Array<CarriedSegment & { file: string }>;
  mediaEnd: number;
  text: string | null;
}

export class HlsStream extends EventEmitter<{
  segment: [NewSegment];
  missed: [rendition: Rendition, segments: number];
  /** An earlier run's directory whose segments have all scrolled out: it may be removed. */
  released: [dir: string];
}> {
  private readonly tracks: Record<LiveRendition, Track>;
  private readonly timer: ReturnType<typeof setInterval>;
  /** The poll in progress: concurrent callers share it, so two never read a playlist at once. */
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private readonly targets: Record<LiveRendition, number>;

  constructor(readonly options: HlsStreamOptions) {
    super();
    this.targets = { ...options.targetSeconds };
    const track = (r: LiveRendition): Track => ({
      mtimeMs: 0,
      count: 0,
      recent: (options.carried?.[r] ?? []).map((c) => ({ ...c, file: c.served.uri.slice(c.served.uri.lastIndexOf('/') + 1) })),
      mediaEnd: 0,
      text: null,
    });
    this.tracks = { audio: track('audio'), video: track('video'), low: track('low') };
    // Until this run's first segment, its playlists are the dead run's last ones, frozen.
    for (const r of LIVE_RENDITIONS) if (this.tracks[r].recent.length > 0) this.render(r);
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

  /** The segments listed or kept behind the window, for the run that follows this one to carry on. */
  carry(): Record<LiveRendition, CarriedSegment[]> {
    const of = (r: LiveRendition) => this.tracks[r].recent.map(({ served, dir, seq, discontinuity }) => ({ served, dir, seq, discontinuity }));
    return { audio: of('audio'), video: of('video'), low: of('low') };
  }

  /** Whether this run made any segment (a run that made none adds no discontinuity). */
  get madeSegments(): boolean {
    return LIVE_RENDITIONS.some((r) => this.tracks[r].count > 0);
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
      const number = (this.options.mediaSequenceBase[rendition] ?? 0) + track.count;
      track.count++;
      track.recent.push({ served, file: seg.uri, dir: this.options.dir, seq: number, discontinuity: this.options.discontinuitySequence });
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
    this.render(rendition);
    // Drop the oldest segments and their bookkeeping; a recording has hard links of its own.
    const kept = this.windowOf(rendition) + this.options.keepBehind;
    while (track.recent.length > kept) {
      const old = track.recent.shift()!;
      if (old.dir === this.options.dir) await unlink(join(this.options.dir, old.file)).catch(() => undefined);
      else if (!this.carries(old.dir)) this.emit('released', old.dir);
    }
  }

  private windowOf(rendition: LiveRendition): number {
    return rendition === 'low' ? (this.options.lowWindowSegments ?? this.options.windowSegments) : this.options.windowSegments;
  }

  /** Whether any rendition still lists or keeps a segment of an earlier run's `dir` (a bounded look: window + keepBehind each). */
  private carries(dir: string): boolean {
    return LIVE_RENDITIONS.some((r) => this.tracks[r].recent.some((s) => s.dir === dir));
  }

  private render(rendition: LiveRendition): void {
    const track = this.tracks[rendition];
    const window = track.recent.slice(-this.windowOf(rendition));
    const served = window.map((r) => r.served);
    this.targets[rendition] = Math.max(this.targets[rendition], targetDuration(served));
    // The first listed segment's numbers: with a carried window, the discontinuity sequence
    // goes up only once the discontinuity tag before this run's first segment has scrolled out
    // (RFC 8216 §4.3.3.3 counts the tags before the window).
    const first = window[0];
    track.text = renderLivePlaylist({
      mediaSequence: first?.seq ?? (this.options.mediaSequenceBase[rendition] ?? 0) + track.count,
      discontinuitySequence: first?.discontinuity ?? this.options.discontinuitySequence,
      segments: served,
      targetDuration: this.targets[rendition],
    });
  }
}
