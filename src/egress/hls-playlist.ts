// HLS playlists (RFC 8216): writing the ones we serve (reading is the one parser's,
// src/protocol/hls-playlists.ts): a sliding live window, the master with an audio-only and a video variant, and
// the VOD playlist of a recording. Every segment we describe has a wall-clock time, so a
// recording's timeline can be lined up with who was speaking when.
import { FMP4_OVERHEAD_BPS, videoRateControl } from './encoding.js';

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
  /**
   * The target duration the stream has declared so far. RFC 8216 §6.2.1 forbids changing it,
   * so it is fixed from the encoder's segment length, and only ever grows (when a segment
   * longer than it appears, which an encoder keyframing on schedule does not make).
   */
  targetDuration?: number;
}

/** The longest segment's duration, rounded to the nearest second as EXT-X-TARGETDURATION compares it (at least 1). */
export function targetDuration(segments: readonly ServedSegment[]): number {
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
    `#EXT-X-TARGETDURATION:${Math.max(p.targetDuration ?? 1, targetDuration(p.segments))}`,
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
  segmentSeconds: number;
  /** Include the video variant (recordings made without any camera leave it out). */
  video: boolean;
  /** Include Low data mode's Opus variant (live only) at this bitrate. */
  lowAudioKbps?: number;
  /** What the segments measured, once they all exist (a recording): declared instead of the encoder's bounds. */
  measured?: MeasuredRates;
}

/** Peak and average segment bit rates (bits/s) of each rendition of a finished presentation. */
export type MeasuredRates = Partial<Record<Rendition, { peak: number; average: number }>>;

/** A variant's BANDWIDTH and AVERAGE-BANDWIDTH, bits/s. */
interface Rates {
  peak: number;
  average: number;
}

/**
 * What each variant declares (RFC 8216 §4.3.4.2). BANDWIDTH is the peak segment bit rate, and
 * a variant that plays with an audio rendition declares the sum of both peaks. Live, before the
 * segments exist, it is the encoder's bound: the video's VBV peak (videoRateControl), and the
 * AAC and Opus rates with room for their overshoot and fMP4 headers (the AAC encoder makes
 * ~70 kbit/s asked for 64, up to 86 in a second of speech: its peak is declared at 1.5x). A finished recording declares what its segments measured.
 */
function variantRates(o: MasterOptions): { audio: Rates; video: Rates } {
  // Debian's AAC encoder has no rate cap: a second of loud speech at 64k measured up to 86 kbit/s.
  const aac = { peak: o.audioKbps * 1500 + FMP4_OVERHEAD_BPS, average: o.audioKbps * 1000 + FMP4_OVERHEAD_BPS };
  const audio = o.measured?.audio ?? aac;
  const camera = o.measured?.video ?? {
    peak: videoRateControl(o).peakBps,
    average: o.videoKbps * 1000 + FMP4_OVERHEAD_BPS,
  };
  const up = Math.ceil;
  return {
    audio: { peak: up(audio.peak), average: up(audio.average) },
    video: { peak: up(camera.peak + audio.peak), average: up(camera.average + audio.average) },
  };
}

/**
 * The audio is one rendition: the video variant names it as its audio group, the audio-only
 * variant is that same playlist (without a video variant there is no group: just that variant); the audio-only variant comes first, as it is what most of a Space's
 * audience plays. CODECS: AAC-LC, and H.264 Main 3.1 as ffmpeg is told to encode. Live, Low
 * data mode's Opus variant comes last: players that choose by bandwidth may fall back to it,
 * and hls.js ignores audio-only variants next to a video one (Low data mode plays it directly).
 */
export function renderMasterPlaylist(o: MasterOptions): string {
  const rates = variantRates(o);
  const declare = (r: Rates) => `BANDWIDTH=${r.peak},AVERAGE-BANDWIDTH=${r.average}`;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  // The audio group exists only for the video variant to name: without one (an audio-only
  // recording) a group no variant uses is a second audio stream to players (RFC 8216 §4.3.4.1.1).
  if (o.video) {
    lines.push('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Space",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio.m3u8"');
  }
  // Self-contained, without AUDIO=: a player must not load the same playlist twice as main and alternate audio.
  lines.push(`#EXT-X-STREAM-INF:${declare(rates.audio)},CODECS="mp4a.40.2"`, 'audio.m3u8');
  if (o.video) {
    lines.push(
      `#EXT-X-STREAM-INF:${declare(rates.video)},CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=${o.width}x${o.height},FRAME-RATE=30.000,AUDIO="aud"`,
      'video.m3u8',
    );
  }
  if (o.lowAudioKbps !== undefined) {
    const opus = o.lowAudioKbps * 1000 + 8_000;
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${opus},AVERAGE-BANDWIDTH=${opus},CODECS="opus"`, 'low.m3u8');
  }
  return lines.join('\n') + '\n';
}

/** A segment's size and length: what its bit rate is measured from. */
export interface SizedSegment {
  bytes: number;
  duration: number;
}

/**
 * RFC 8216 §4.1's peak segment bit rate: the highest rate of any contiguous run of segments
 * lasting 0.5 to 1.5 target durations (bytes × 8 / their EXTINF sum; container overhead in, the
 * init segment out). A list with no such run (one short segment) is measured whole.
 */
export function peakSegmentBitRate(segments: readonly SizedSegment[], targetDuration: number): number {
  let peak = 0;
  for (let i = 0; i < segments.length; i++) {
    let bytes = 0;
    let duration = 0;
    for (let j = i; j < segments.length && duration < 1.5 * targetDuration; j++) {
      bytes += segments[j]!.bytes;
      duration += segments[j]!.duration;
      if (duration >= 0.5 * targetDuration && duration <= 1.5 * targetDuration) peak = Math.max(peak, (bytes * 8) / duration);
    }
  }
  return peak > 0 ? peak : averageSegmentBitRate(segments);
}

/** RFC 8216 §4.1's average segment bit rate: every segment's bits over the playlist's duration. */
export function averageSegmentBitRate(segments: readonly SizedSegment[]): number {
  let bytes = 0;
  let duration = 0;
  for (const s of segments) {
    bytes += s.bytes;
    duration += s.duration;
  }
  return duration > 0 ? (bytes * 8) / duration : 0;
}
