// The IPC contract between the main process and the codec worker: its settings, the commands
// that start and stop a Space's HLS encoder, and what the worker reports. Media flows over
// the codec link (codec-link.ts), not here.
import { z } from 'zod';
import { encoderEventSchema, encoderRunSchema } from '../egress/encoding.js';

const roomId = z.string().min(1).max(64);

export const codecInitSchema = z.object({
  name: z.string(),
  logLevel: z.string(),
  /** Where the link listens for media workers (a Unix socket in a private directory). */
  socketPath: z.string().min(1),
  ffmpegPath: z.string().min(1),
  /** H.264 cameras become VP8 at this bitrate, with a keyframe at least this often. */
  transcode: z.object({ kbps: z.number().positive(), keyframeSeconds: z.number().positive() }),
});
export type CodecInit = z.infer<typeof codecInitSchema>;

export const codecCommandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('startEncoder'), room: roomId, options: encoderRunSchema }),
  /** `dir` is the run's: the worker answers 'stopped' for it even if it no longer knows the room (it restarted). */
  z.object({ op: z.literal('stopEncoder'), room: roomId, dir: z.string() }),
]);
export type CodecCommand = z.infer<typeof codecCommandSchema>;

export const codecEventSchema = z.discriminatedUnion('ev', [
  z.object({ ev: z.literal('ready') }),
  z.object({ ev: z.literal('encoder'), room: roomId, event: encoderEventSchema }),
]);
export type CodecEvent = z.infer<typeof codecEventSchema>;
