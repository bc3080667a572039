// How a Space is encoded for HLS, and what an encoder run reports. These cross the IPC
// channel between the main process and the codec worker, so they are schemas as well as types.
import { z } from 'zod';
import type { RoomTap } from '../media/room/room-tap.js';

/** How every Space of a node is encoded for HLS. */
export const encodingOptionsSchema = z.object({
  ffmpegPath: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  fps: z.number().positive(),
  videoKbps: z.number().positive(),
  audioKbps: z.number().positive(),
  segmentSeconds: z.number().positive(),
  /** Low data mode's own audio-only rendition (Opus); defaults in LOW_AUDIO_DEFAULTS. */
  lowAudioKbps: z.number().positive().optional(),
  lowSegmentSeconds: z.number().positive().optional(),
});

/** Low data mode's rendition when the options do not say (the settings' defaults). */
export const LOW_AUDIO_DEFAULTS = { kbps: 16, segmentSeconds: 2 } as const;
export type EncodingOptions = z.infer<typeof encodingOptionsSchema>;

/** One encoder run: the encoding, and where it writes its playlists and segments. */
export const encoderRunSchema = encodingOptionsSchema.extend({ dir: z.string().min(1) });
export type EncoderRunOptions = z.infer<typeof encoderRunSchema>;

/** What an encoder run reports: it started (media time 0 at `startedAtMs`), stopped, or failed. */
export const encoderEventSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('running'), startedAtMs: z.number(), dir: z.string() }),
  z.object({ state: z.literal('stopped'), dir: z.string() }),
  z.object({ state: z.literal('failed'), dir: z.string(), error: z.string() }),
]);
export type EncoderEvent = z.infer<typeof encoderEventSchema>;

/** A running encoder: a tap the room feeds, until it stops or dies. */
export interface EncoderTap extends RoomTap {
  /** Wall-clock time (ms since the epoch) of the encoder's media time 0. */
  readonly startedAtMs: number;
  stop(): Promise<void>;
  /** Called once when the encoder exits; `expected` is false when it died on its own. */
  onExit(listener: (code: number | null, expected: boolean, detail: string) => void): void;
}

/**
 * The HLS video's rate control (x264's VBV) and the peak it allows. Over any stretch of t
 * seconds a VBV-bound stream carries at most bufsize + maxrate × t bits, and each segment
 * starts on a keyframe, its largest frame: with bufsize half a segment's worth at maxrate, no
 * segment exceeds 1.5 × maxrate on average over its length. That bound (plus the fMP4
 * fragment's headers, a few hundred bytes a segment) is the video's BANDWIDTH in the master
 * (RFC 8216 §4.3.4.2: the peak segment bit rate); the smaller the buffer, the worse the
 * keyframes look, and half a segment still leaves a keyframe ~10× an inter frame's share.
 */
export function videoRateControl(o: Pick<EncodingOptions, 'videoKbps' | 'segmentSeconds'>): { maxrateKbps: number; bufsizeKbit: number; peakBps: number } {
  const maxrateKbps = o.videoKbps;
  const bufsizeKbit = Math.max(1, Math.round((o.videoKbps * o.segmentSeconds) / 2));
  const peakBps = Math.ceil((maxrateKbps + bufsizeKbit / o.segmentSeconds) * 1000) + FMP4_OVERHEAD_BPS;
  return { maxrateKbps, bufsizeKbit, peakBps };
}

/** An fMP4 fragment's headers (moof, mdat) for ~1 s of video or audio, rounded up: what a segment adds to its media. */
export const FMP4_OVERHEAD_BPS = 16_000;
