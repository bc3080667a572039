// HLS playlists as a player uses them: which playlists a player of one kind (audio-only or
// video) follows, and which of a live media playlist's segments are new since the last reload.
// Reading the playlists is the one parser's (src/protocol/hls-playlists.ts).
import { PlaylistError, type MasterPlaylist, type MediaPlaylist, type PlaylistSegment, type Variant } from '../protocol/hls-playlists.js';

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

/**
 * What a player that last fetched `lastSeq` (null: nothing yet) fetches from this playlist:
 * on the first load the last `startBehind` segments, later everything newer than lastSeq.
 * `missed` counts segments that left the window before this player saw them. A window that
 * is entirely older than lastSeq by more than its own length is a restarted stream
 * (`reset`); a slightly older one is a stale cached copy and brings nothing new.
 */
export function newSegments(pl: MediaPlaylist, lastSeq: number | null, startBehind: number): { fresh: PlaylistSegment[]; missed: number; reset: boolean } {
  const segs = pl.segments;
  if (segs.length === 0) return { fresh: [], missed: 0, reset: false };
  if (lastSeq === null) return { fresh: segs.slice(-startBehind), missed: 0, reset: false };
  const first = segs[0]!.seq;
  const last = segs.at(-1)!.seq;
  if (last < lastSeq - segs.length) return { fresh: segs.slice(-startBehind), missed: 0, reset: true };
  return { fresh: segs.filter((s) => s.seq > lastSeq), missed: Math.max(0, first - (lastSeq + 1)), reset: false };
}
