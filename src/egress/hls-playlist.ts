// HLS playlists (RFC 8216): writing the ones we serve (reading is the one parser's,
// src/protocol/hls-playlists.ts): a sliding live window, the master with an audio-only and a video variant, and
// the VOD playlist of a recording. Every segment we describe has a wall-clock time, so a
// recording's timeline can be lined up with who was speaking when.

/** The renditions a recording keeps. */
export type Rendition = 'audio' | 'video';
export const RENDITIONS: readonly Rendition[] = ['audio', 'video'];
/** Live only: also Low data mode's audio (recordings do not keep it: replays are fetched once). */
export type LiveRendition = Rendition | 'low';
export const LIVE_RENDITIONS: readonly LiveRendition[] = ['audio', 'video', 'low'];

/** A segment as we serve it: its URI relative to the playlist, and when it began. */
export interface ServedSegment {
  uri: string;
  duration: number;
  /** Wall-clock start, ms since the epoch (written as EXT-X-PROGRAM-DATE-TIME). */
  wallStartMs: number;
  /** Init segment URI; a change from the previous segment's is a discontinuity. */
  map: string;
}

export interface LivePlaylist {
  mediaSequence: number;
  discontinuitySequence: number;
  segments: readonly ServedSegment[];
}

function targetDuration(segments: readonly ServedSegment[]): number {
  let max = 1;
  for (const s of segments) max = Math.max(max, Math.round(s.duration));
  return max;
}

/** The lines of one segment, after one whose init map was `previousMap` ('' for the first). */
export function segmentLines(lines: string[], previousMap: string, s: ServedSegment): void {
  if (s.map !== previousMap) {
    if (previousMap !== '') lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-MAP:URI="${s.map}"`);
  }
  lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.wallStartMs).toISOString()}`);
  lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
}

function renderSegments(lines: string[], segments: readonly ServedSegment[]): void {
  let map = '';
  for (const s of segments) {
    segmentLines(lines, map, s);
    map = s.map;
  }
}

export function renderLivePlaylist(p: LivePlaylist): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${targetDuration(p.segments)}`,
    `#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  renderSegments(lines, p.segments);
  return lines.join('\n') + '\n';
}

/**
 * A recording's playlist: EVENT while it grows, VOD with an end once it is final. An EVENT
 * playlist is appended to segment by segment, so its target duration is fixed in advance
 * (`eventTarget`); the VOD one is written once, with the longest segment's.
 */
export function renderRecordingPlaylist(segments: readonly ServedSegment[], final: boolean, eventTarget = 1): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${final ? targetDuration(segments) : Math.max(eventTarget, targetDuration(segments))}`,
    `#EXT-X-PLAYLIST-TYPE:${final ? 'VOD' : 'EVENT'}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  renderSegments(lines, segments);
  if (final) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

export interface MasterOptions {
  width: number;
  height: number;
  videoKbps: number;
  audioKbps: number;
  /** Include the video variant (recordings made without any camera leave it out). */
  video: boolean;
  /** Include Low data mode's Opus variant (live only) at this bitrate. */
  lowAudioKbps?: number;
}

/**
 * The audio is one rendition: the video variant names it as its audio group, the audio-only
 * variant is that same playlist (without a video variant there is no group: just that variant); the audio-only variant comes first, as it is what most of a Space's
 * audience plays. CODECS: AAC-LC, and H.264 Main 3.1 as ffmpeg is told to encode. Live, Low
 * data mode's Opus variant comes last: players that choose by bandwidth may fall back to it,
 * and hls.js ignores audio-only variants next to a video one (Low data mode plays it directly).
 */
export function renderMasterPlaylist(o: MasterOptions): string {
  const audioBps = o.audioKbps * 1000 + 16_000;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  // The audio group exists only for the video variant to name: without one (an audio-only
  // recording) a group no variant uses is a second audio stream to players (RFC 8216 §4.3.4.1.1).
  if (o.video) {
    lines.push('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Space",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio.m3u8"');
  }
  // Self-contained, without AUDIO=: a player must not load the same playlist twice as main and alternate audio.
  lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${audioBps},CODECS="mp4a.40.2"`, 'audio.m3u8');
  if (o.video) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${o.videoKbps * 1000 + audioBps},CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=${o.width}x${o.height},FRAME-RATE=30.000,AUDIO="aud"`,
      'video.m3u8',
    );
  }
  if (o.lowAudioKbps !== undefined) lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${o.lowAudioKbps * 1000 + 8_000},CODECS="opus"`, 'low.m3u8');
  return lines.join('\n') + '\n';
}
