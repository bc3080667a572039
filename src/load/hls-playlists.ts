// HLS playlists as a player needs them: the master playlist's variants and audio renditions,
// which playlists a player of one kind (audio-only or video) follows, a live media playlist's
// segments, and which of them are new since the last reload.

export type Variant = { uri: string; bandwidth: number; codecs: string; resolution: string | null; audioGroup: string | null };
export type AudioRendition = { groupId: string; uri: string | null; isDefault: boolean };
export type MasterPlaylist = { variants: Variant[]; audio: AudioRendition[] };
/** `init` is the EXT-X-MAP in effect for the segment (fMP4), if any. */
export type MediaSegment = { uri: string; seq: number; duration: number; init: string | null };
export type MediaPlaylist = { targetDuration: number; mediaSequence: number; segments: MediaSegment[]; endList: boolean };

/** `KEY=value,KEY="quoted, value"` as found after an HLS tag's colon. */
export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (let m = re.exec(list); m; m = re.exec(list)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return out;
}

/** A playlist the simulated audience cannot use: not HLS, a bad number, a URI that is not one. */
export class PlaylistError extends Error {}

function resolve(uri: string, baseUrl: string): string {
  try {
    return new URL(uri, baseUrl).href;
  } catch {
    throw new PlaylistError(`not a URI: ${uri.slice(0, 100)}`);
  }
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

/** A master playlist; a media playlist given here comes back as its own single variant. */
export function parseMasterPlaylist(text: string, baseUrl: string): MasterPlaylist {
  const all = lines(text);
  if (all[0] !== '#EXTM3U') throw new PlaylistError('not an HLS playlist');
  const variants: Variant[] = [];
  const audio: AudioRendition[] = [];
  let pending: Record<string, string> | null = null;
  for (const line of all) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      pending = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = parseAttributes(line.slice('#EXT-X-MEDIA:'.length));
      if (a.TYPE === 'AUDIO' && a['GROUP-ID']) {
        audio.push({ groupId: a['GROUP-ID'], uri: a.URI ? resolve(a.URI, baseUrl) : null, isDefault: a.DEFAULT === 'YES' });
      }
    } else if (!line.startsWith('#') && pending) {
      variants.push({
        uri: resolve(line, baseUrl),
        bandwidth: Number(pending.BANDWIDTH ?? 0),
        codecs: pending.CODECS ?? '',
        resolution: pending.RESOLUTION ?? null,
        audioGroup: pending.AUDIO ?? null,
      });
      pending = null;
    }
  }
  if (variants.length === 0 && all.some((l) => l.startsWith('#EXTINF:'))) {
    variants.push({ uri: baseUrl, bandwidth: 0, codecs: '', resolution: null, audioGroup: null });
  }
  return { variants, audio };
}

const VIDEO_CODEC = /\b(avc1|avc3|hvc1|hev1|vp08|vp8|vp09|vp9|av01)\b/i;

export const isVideoVariant = (v: Variant) => v.resolution !== null || VIDEO_CODEC.test(v.codecs);

/**
 * The media playlists a player of `kind` follows: the chosen variant's, plus its audio
 * rendition when that is a separate playlist (video variants often carry no audio).
 */
export function playlistsFor(master: MasterPlaylist, kind: 'audio' | 'video'): string[] {
  const byBandwidth = [...master.variants].sort((a, b) => a.bandwidth - b.bandwidth);
  const audioOnly = byBandwidth.filter((v) => !isVideoVariant(v));
  const video = byBandwidth.filter(isVideoVariant);
  let chosen: Variant | undefined;
  if (kind === 'audio') {
    chosen = audioOnly[0];
    if (!chosen) {
      const rendition = master.audio.find((a) => a.uri && a.isDefault) ?? master.audio.find((a) => a.uri);
      if (rendition?.uri) return [rendition.uri];
      chosen = byBandwidth[0];
    }
  } else {
    chosen = video.at(-1) ?? byBandwidth.at(-1);
  }
  if (!chosen) throw new PlaylistError('the master playlist lists no variants');
  const out = [chosen.uri];
  if (chosen.audioGroup) {
    const group = master.audio.filter((a) => a.groupId === chosen.audioGroup && a.uri);
    const rendition = group.find((a) => a.isDefault) ?? group[0];
    if (rendition?.uri && rendition.uri !== chosen.uri) out.push(rendition.uri);
  }
  return out;
}

export function parseMediaPlaylist(text: string, baseUrl: string): MediaPlaylist {
  const all = lines(text);
  if (all[0] !== '#EXTM3U') throw new PlaylistError('not an HLS playlist');
  let targetDuration = NaN;
  let mediaSequence = 0;
  let endList = false;
  let init: string | null = null;
  let duration: number | null = null;
  const segments: MediaSegment[] = [];
  for (const line of all) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MAP:')) {
      const uri = parseAttributes(line.slice(11)).URI;
      init = uri ? resolve(uri, baseUrl) : null;
    } else if (line.startsWith('#EXTINF:')) {
      const d = Number.parseFloat(line.slice(8));
      // A segment without a usable duration is not one a player can schedule: skipped.
      duration = Number.isFinite(d) && d > 0 ? d : null;
    } else if (line === '#EXT-X-ENDLIST') endList = true;
    else if (!line.startsWith('#') && duration !== null) {
      segments.push({ uri: resolve(line, baseUrl), seq: mediaSequence + segments.length, duration, init });
      duration = null;
    }
  }
  if (!Number.isFinite(mediaSequence)) throw new PlaylistError('bad EXT-X-MEDIA-SEQUENCE');
  // The tag is mandatory; without it, the longest segment is the best guess of the cadence.
  if (!(targetDuration > 0)) targetDuration = Math.max(1, ...segments.map((s) => Math.ceil(s.duration)));
  return { targetDuration, mediaSequence, segments, endList };
}

/**
 * What a player that last fetched `lastSeq` (null: nothing yet) fetches from this playlist:
 * on the first load the last `startBehind` segments, later everything newer than lastSeq.
 * `missed` counts segments that left the window before this player saw them. A window that
 * is entirely older than lastSeq by more than its own length is a restarted stream
 * (`reset`); a slightly older one is a stale cached copy and brings nothing new.
 */
export function newSegments(pl: MediaPlaylist, lastSeq: number | null, startBehind: number): { fresh: MediaSegment[]; missed: number; reset: boolean } {
  const segs = pl.segments;
  if (segs.length === 0) return { fresh: [], missed: 0, reset: false };
  if (lastSeq === null) return { fresh: segs.slice(-startBehind), missed: 0, reset: false };
  const first = segs[0]!.seq;
  const last = segs.at(-1)!.seq;
  if (last < lastSeq - segs.length) return { fresh: segs.slice(-startBehind), missed: 0, reset: true };
  return { fresh: segs.filter((s) => s.seq > lastSeq), missed: Math.max(0, first - (lastSeq + 1)), reset: false };
}

// The audience.
