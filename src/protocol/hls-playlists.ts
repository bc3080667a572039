// Reading HLS playlists (RFC 8216): the one parser for every reader of them. The origin reads
// the media playlists ffmpeg writes (URIs as written, and it must never throw on what it finds
// on disk); the simulated HLS audience and the tests read what the origin serves, masters too
// (URIs resolved against the playlist's URL, and a text that is not a playlist is an error).
// Writing playlists is the egress's (src/egress/hls-playlist.ts). No npm parser fitted: the
// maintained one (m3u8-parser) brings a Babel runtime and browser shims for what is ~100 lines.

export interface PlaylistSegment {
  uri: string;
  /** Its media sequence number: EXT-X-MEDIA-SEQUENCE plus its place in the list. */
  seq: number;
  duration: number;
  /** The URI of the EXT-X-MAP (init segment) in effect for it, if any. */
  map: string | null;
}

export interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  /** The last EXT-X-MAP's URI (ffmpeg writes one). */
  map: string | null;
  segments: PlaylistSegment[];
  /** EXT-X-ENDLIST: nothing will be added. */
  ended: boolean;
}

export type Variant = { uri: string; bandwidth: number; codecs: string; resolution: string | null; audioGroup: string | null };
export type AudioRendition = { groupId: string; uri: string | null; isDefault: boolean };
export type MasterPlaylist = { variants: Variant[]; audio: AudioRendition[] };

/** A playlist a player cannot use: not HLS, or a URI that is not one. */
export class PlaylistError extends Error {}

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

function lines(text: string, baseUrl: string | undefined): string[] {
  const all = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (baseUrl !== undefined && all[0] !== '#EXTM3U') throw new PlaylistError('not an HLS playlist');
  return all;
}

function resolver(baseUrl: string | undefined): (uri: string) => string {
  if (baseUrl === undefined) return (uri) => uri;
  return (uri) => {
    try {
      return new URL(uri, baseUrl).href;
    } catch {
      throw new PlaylistError(`not a URI: ${uri.slice(0, 100)}`);
    }
  };
}

/**
 * A media playlist. Without `baseUrl` URIs stay as written and nothing throws; with it (a
 * player reading what it fetched from there) they are resolved, and a text that is not a
 * playlist throws PlaylistError. A segment without a usable duration is not one a player can
 * schedule: skipped. A missing or bad EXT-X-TARGETDURATION is the longest segment's, rounded
 * up (at least 1); a missing or bad EXT-X-MEDIA-SEQUENCE is 0.
 */
export function parseMediaPlaylist(text: string, baseUrl?: string): MediaPlaylist {
  const resolve = resolver(baseUrl);
  let targetDuration = NaN;
  let mediaSequence = 0;
  let ended = false;
  let map: string | null = null;
  let duration: number | null = null;
  const found: Array<{ uri: string; duration: number; map: string | null }> = [];
  for (const line of lines(text, baseUrl)) {
    if (line.startsWith('#EXTINF:')) {
      const d = Number.parseFloat(line.slice(8));
      duration = Number.isFinite(d) && d > 0 ? d : null;
    } else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MAP:')) {
      const uri = parseAttributes(line.slice(11)).URI;
      map = uri ? resolve(uri) : null;
    } else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (!line.startsWith('#')) {
      if (duration !== null) found.push({ uri: resolve(line), duration, map });
      duration = null;
    }
  }
  if (!Number.isFinite(mediaSequence)) mediaSequence = 0;
  if (!(targetDuration > 0)) targetDuration = Math.max(1, ...found.map((s) => Math.ceil(s.duration)));
  const segments = found.map((s, i) => ({ uri: s.uri, seq: mediaSequence + i, duration: s.duration, map: s.map }));
  return { targetDuration, mediaSequence, map, segments, ended };
}

/** A master playlist; a media playlist given here comes back as its own single variant. */
export function parseMasterPlaylist(text: string, baseUrl: string): MasterPlaylist {
  const resolve = resolver(baseUrl);
  const all = lines(text, baseUrl);
  const variants: Variant[] = [];
  const audio: AudioRendition[] = [];
  let pending: Record<string, string> | null = null;
  for (const line of all) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      pending = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = parseAttributes(line.slice('#EXT-X-MEDIA:'.length));
      if (a.TYPE === 'AUDIO' && a['GROUP-ID']) {
        audio.push({ groupId: a['GROUP-ID'], uri: a.URI ? resolve(a.URI) : null, isDefault: a.DEFAULT === 'YES' });
      }
    } else if (!line.startsWith('#') && pending) {
      variants.push({
        uri: resolve(line),
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
