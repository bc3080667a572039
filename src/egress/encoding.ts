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
