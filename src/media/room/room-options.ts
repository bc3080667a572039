// What a MediaRoom is built with: its transport and counters, the voice gate's settings, and,
// when a Space is spread over several media workers, the relay that carries its publishers'
// packets to the other workers. Kept apart from the room so that the media server, which
// makes rooms and relays, depends on these shapes and not on the room's workings.
import type { Logger } from 'pino';
import type { Layer } from '../transport/peer.js';
import type { MediaCounters } from '../counters.js';
import type { TransportConfig } from '../transport/transport-config.js';
import type { VoiceActivityConfig } from '../forwarding/voice-activity.js';
import type { H264Transcoder } from '../transport/ingest-peer.js';

/**
 * When a Space's peers are spread over several media workers, each worker relays what its
 * own publishers send to the others, which treat it as if it came from a local peer.
 */
export interface RoomRelay {
  audio(participantId: string, audioLevelExtId: number, buf: Buffer): void;
  video(participantId: string, layer: Layer, buf: Buffer): void;
  /** A viewer on this worker needs a keyframe from a camera published on another worker. */
  keyframeRequest(participantId: string, layer: Layer): void;
}

export interface MediaRoomOptions {
  transport: TransportConfig;
  counters: MediaCounters;
  voice?: VoiceActivityConfig;
  relay?: RoomRelay;
  /** Turns an H.264 WHIP camera into VP8; without it, WHIP publishers must send VP8. */
  h264?: H264Transcoder;
  /** Audio slots per subscriber; AUDIBLE_SPEAKERS unless a test needs another number. */
  audibleSpeakers?: number;
  /** Lifecycle events and errors of the room and its peers (never per packet); silent without one. */
  log?: Logger;
}
