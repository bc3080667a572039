// A recording on disk: hard links to the live segments it spans (so recording costs no
// second encode), its own playlists, and a manifest that lets it resume after a restart.
// While the Space runs the playlists are EVENT playlists; finalize() makes them VOD.
//
// Every segment costs the same at hour three as at minute one: the manifest is a log, one
// JSON line appended per segment, and the EVENT playlists are appended to. Only opening a
// recording (after a restart) and finishing it read or write the whole of it.
import { appendFile, copyFile, link, mkdir, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  RENDITIONS,
  averageSegmentBitRate,
  peakSegmentBitRate,
  renderMasterPlaylist,
  renderRecordingPlaylist,
  segmentLines,
  type MasterOptions,
  type MeasuredRates,
  type Rendition,
  type ServedSegment,
} from './hls-playlist.js';

/** The manifest: one line per segment, `{"r":"audio",...segment}`, and `{"final":true}` at the end. */
const LOG = 'segments.jsonl';
/** The manifest of recordings made before the log: one JSON document, rewritten each segment. */
const LEGACY_MANIFEST = 'segments.json';

interface Manifest {
  segments: Record<Rendition, ServedSegment[]>;
  final: boolean;
  /** Bytes of the log that hold whole lines: a failed append is cut back to this. */
  logBytes: number;
}

export interface RecorderOptions {
  /** The encoder's segment length: the EVENT playlists' target duration is fixed from it. */
  segmentSeconds?: number;
}

export class Recorder {
  private writes: Promise<void> = Promise.resolve();
  private readonly linkedInits = new Set<string>();
  private readonly eventTarget: number;

  private constructor(
    readonly dir: string,
    private readonly manifest: Manifest,
    options: RecorderOptions,
  ) {
    for (const r of RENDITIONS) for (const s of manifest.segments[r]) this.linkedInits.add(s.map);
    // Rounded segment durations must not exceed it; a second of slack for a long segment.
    this.eventTarget = Math.ceil(options.segmentSeconds ?? 1) + 1;
  }

  /** Opens a recording directory, resuming what an earlier process recorded into it. */
  static async open(dir: string, options: RecorderOptions = {}): Promise<Recorder> {
    await mkdir(dir, { recursive: true });
    const manifest = await readManifest(dir);
    const recorder = new Recorder(dir, manifest, options);
    // The EVENT playlists are appended to from here on: start them from the manifest, which a
    // crash may have left a segment ahead of them.
    if (!manifest.final) await recorder.enqueue(() => recorder.writePlaylists());
    return recorder;
  }

  /**
   * Reads a recording without writing anything: another process may be writing it (in a
   * cluster, the node that runs the Space, on shared storage), and a repair or a playlist
   * rewritten from what was read would undo what it appended meanwhile.
   */
  static async read(dir: string, options: RecorderOptions = {}): Promise<Recorder> {
    return new Recorder(dir, await readManifest(dir, false), options);
  }

  segments(rendition: Rendition): readonly ServedSegment[] {
    return this.manifest.segments[rendition];
  }

  /** Length of the recording (its audio, which never pauses while recording). */
  get durationSec(): number {
    let d = 0;
    for (const s of this.manifest.segments.audio) d += s.duration;
    return d;
  }

  get final(): boolean {
    return this.manifest.final;
  }

  /**
   * Keeps one live segment. `runTag` names the encoder run, so that runs (after a restart or
   * a crash) never collide and each keeps its own init segment.
   */
  add(rendition: Rendition, runTag: string, file: string, initFile: string, served: ServedSegment): Promise<void> {
    return this.enqueue(async () => {
      if (this.manifest.final) return;
      const name = `${runTag}-${basename(file)}`;
      const init = `${runTag}-${basename(initFile)}`;
      if (!this.linkedInits.has(init)) {
        await keep(initFile, join(this.dir, init));
        this.linkedInits.add(init);
      }
      await keep(file, join(this.dir, name));
      const segment: ServedSegment = { uri: name, duration: served.duration, wallStartMs: served.wallStartMs, map: init };
      // The manifest first: a segment is in the recording once it is there.
      await this.log(`${JSON.stringify({ r: rendition, ...segment })}\n`);
      const list = this.manifest.segments[rendition];
      const lines: string[] = [];
      segmentLines(lines, list.at(-1)?.map ?? '', segment);
      list.push(segment);
      await appendFile(join(this.dir, `${rendition}.m3u8`), `${lines.join('\n')}\n`);
    });
  }

  /** Ends the recording: VOD playlists and the master. Idempotent. */
  finalize(master: Omit<MasterOptions, 'video'> & { video: boolean }): Promise<void> {
    return this.enqueue(async () => {
      const wasFinal = this.manifest.final;
      this.manifest.final = true;
      const video = master.video && this.manifest.segments.video.length > 0;
      await this.writePlaylists();
      // Without Low data mode's variant: that rendition is live only. Every segment exists
      // now, so the master declares what they measured (RFC 8216 §4.3.4.2), not the encoder's bounds.
      const { lowAudioKbps: _live, measured: _bounds, ...options } = master;
      const measured = await this.measuredRates();
      await atomicWrite(join(this.dir, 'master.m3u8'), renderMasterPlaylist({ ...options, video, measured }));
      if (!wasFinal) await this.log(`${JSON.stringify({ final: true })}\n`);
    });
  }

  /** Each rendition's peak and average segment bit rate, from the sizes of its files (one stat each, once). */
  private async measuredRates(): Promise<MeasuredRates> {
    const measured: MeasuredRates = {};
    for (const r of RENDITIONS) {
      const segments = this.manifest.segments[r];
      if (segments.length === 0) continue;
      const sized = [];
      for (const s of segments) {
        // A segment whose file is gone (removed by hand) is not served either: it does not count.
        const bytes = await stat(join(this.dir, s.uri)).then(
          (st) => st.size,
          () => null,
        );
        if (bytes !== null) sized.push({ bytes, duration: s.duration });
      }
      const target = Math.max(1, ...segments.map((s) => Math.round(s.duration)));
      if (sized.length > 0) measured[r] = { peak: peakSegmentBitRate(sized, target), average: averageSegmentBitRate(sized) };
    }
    return measured;
  }

  /** Resolves when every queued write has landed. */
  flush(): Promise<void> {
    return this.writes;
  }

  /** Appends one line to the log; one that fails part way (a full disk) is cut off again. */
  private async log(line: string): Promise<void> {
    const path = join(this.dir, LOG);
    try {
      await appendFile(path, line);
    } catch (err) {
      await truncate(path, this.manifest.logBytes).catch(() => undefined);
      throw err;
    }
    this.manifest.logBytes += Buffer.byteLength(line);
  }

  private async writePlaylists(): Promise<void> {
    for (const r of RENDITIONS) {
      await atomicWrite(join(this.dir, `${r}.m3u8`), renderRecordingPlaylist(this.manifest.segments[r], this.manifest.final, this.eventTarget));
    }
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.writes.then(fn);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

/**
 * The manifest of a recording directory: its log, with a last line cut short by a crash
 * dropped (and cut off the file, so the next append starts clean); or a legacy manifest,
 * turned into a log; or a new, empty one.
 */
async function readManifest(dir: string, repair = true): Promise<Manifest> {
  const manifest: Manifest = { segments: { audio: [], video: [] }, final: false, logBytes: 0 };
  const logPath = join(dir, LOG);
  let text: string | null = null;
  try {
    text = await readFile(logPath, 'utf8');
  } catch {
    // No log yet.
  }
  if (text === null) {
    try {
      const legacy = JSON.parse(await readFile(join(dir, LEGACY_MANIFEST), 'utf8')) as Omit<Manifest, 'logBytes'>;
      const lines = RENDITIONS.flatMap((r) => legacy.segments[r].map((s) => JSON.stringify({ r, ...s })));
      if (legacy.final) lines.push(JSON.stringify({ final: true }));
      const log = lines.map((l) => `${l}\n`).join('');
      if (repair) await atomicWrite(logPath, log);
      return { ...legacy, logBytes: Buffer.byteLength(log) };
    } catch {
      return manifest;
    }
  }
  const total = Buffer.byteLength(text);
  let at = 0;
  for (const line of text.split('\n')) {
    const end = at + Buffer.byteLength(line) + 1;
    if (end > total) break; // the last line has no newline: cut short by a crash
    at = end;
    let entry: ({ r: Rendition } & ServedSegment) | { final: true };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // a damaged line loses its one segment, not the ones after it
    }
    if ('final' in entry) manifest.final = true;
    else if (entry.r === 'audio' || entry.r === 'video') {
      const { r, ...segment } = entry;
      manifest.segments[r].push(segment);
    }
  }
  if (at < total && repair) await truncate(logPath, at);
  manifest.logBytes = at;
  return manifest;
}

/** A hard link where the filesystem allows one (no copy of the bytes), else a copy. */
async function keep(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    await copyFile(from, to);
  }
}

async function atomicWrite(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
