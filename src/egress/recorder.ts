// A recording on disk: hard links to the live segments it spans (so recording costs no
// second encode), its own playlists, and a manifest that lets it resume after a restart.
// While the Space runs the playlists are EVENT playlists; finalize() makes them VOD.
import { copyFile, link, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RENDITIONS, renderMasterPlaylist, renderRecordingPlaylist, type MasterOptions, type Rendition, type ServedSegment } from './hls-playlist.js';

const MANIFEST = 'segments.json';

interface Manifest {
  segments: Record<Rendition, ServedSegment[]>;
  final: boolean;
}

export class Recorder {
  private writes: Promise<void> = Promise.resolve();
  private readonly linkedInits = new Set<string>();

  private constructor(
    readonly dir: string,
    private readonly manifest: Manifest,
  ) {
    for (const r of RENDITIONS) for (const s of manifest.segments[r]) this.linkedInits.add(s.map);
  }

  /** Opens a recording directory, resuming what an earlier process recorded into it. */
  static async open(dir: string): Promise<Recorder> {
    await mkdir(dir, { recursive: true });
    let manifest: Manifest = { segments: { audio: [], video: [] }, final: false };
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
    } catch {
      // A new recording.
    }
    return new Recorder(dir, manifest);
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
      this.manifest.segments[rendition].push({ uri: name, duration: served.duration, wallStartMs: served.wallStartMs, map: init });
      await this.save();
    });
  }

  /** Ends the recording: VOD playlists and the master. Idempotent. */
  finalize(master: Omit<MasterOptions, 'video'> & { video: boolean }): Promise<void> {
    return this.enqueue(async () => {
      this.manifest.final = true;
      const video = master.video && this.manifest.segments.video.length > 0;
      await atomicWrite(join(this.dir, 'master.m3u8'), renderMasterPlaylist({ ...master, video }));
      await this.save();
    });
  }

  /** Resolves when every queued write has landed. */
  flush(): Promise<void> {
    return this.writes;
  }

  private async save(): Promise<void> {
    for (const r of RENDITIONS) {
      await atomicWrite(join(this.dir, `${r}.m3u8`), renderRecordingPlaylist(this.manifest.segments[r], this.manifest.final));
    }
    await atomicWrite(join(this.dir, MANIFEST), JSON.stringify(this.manifest));
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.writes.then(fn);
    this.writes = next.catch(() => undefined);
    return next;
  }
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
