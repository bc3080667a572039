// What the application layer needs from the media side of one Space, whether the room lives
// in this process (MediaRoom) or is spread over media workers (DistributedRoom).
import type { EventEmitter } from 'node:events';
import type { MediaCounters } from '../counters.js';

export interface SpeakingLevel {
  id: string;
  level: number;
}

export interface MediaRoomEvents {
  /** `fresh`: the first offer of a new server PeerConnection (after a join, a move off HLS, or a media worker restart). */
  offer: [participantId: string, sdp: string, fresh: boolean];
  candidates: [participantId: string, candidates: string[], mid: string];
  speaking: [levels: SpeakingLevel[]];
  connectionState: [participantId: string, state: string];
  /** The dominant speaker changed. */
  activeSpeaker: [participantId: string | null];
  /** What a viewer's stage-video slot shows changed (after the new source's first keyframe). */
  stageVideo: [viewerId: string, sourceId: string | null, pinned: boolean, layer: 'high' | 'low'];
}

export interface RoomHandle extends EventEmitter<MediaRoomEvents> {
  readonly activeSpeaker: string | null;
  /** `edge`: a listener for whom this node has no place: on another node of the cluster. */
  connect(participantId: string, options?: { edge?: boolean }): void;
  /** Whether another node of the cluster has a place for one more listener (false on a single node). */
  edgeAvailable(): boolean;
  disconnect(participantId: string): void;
  remove(participantId: string): void;
  setPublisher(participantId: string, onStage: boolean, muted?: boolean): void;
  setMuted(participantId: string, muted: boolean): void;
  setCamera(participantId: string, on: boolean): void;
  pin(viewerId: string, targetId: string | null): void;
  renegotiate(participantId: string): void;
  /** Rejects with InvalidSdpError for an unacceptable answer. */
  applyAnswer(participantId: string, sdp: string): Promise<void>;
  addCandidate(participantId: string, candidate: string, mid: string): void;
  /**
   * WHIP: a client-offered publisher for a person on stage (their microphone and camera).
   * Rejects with InvalidSdpError (malformed offer) or UnsupportedOfferError (nothing usable).
   */
  acceptIngest(participantId: string, offer: string): Promise<{ answer: string; hasVideo: boolean }>;
  /** WHEP: a client-offered viewer. Same errors. */
  acceptPlayback(participantId: string, offer: string): Promise<string>;
  /** Ends a WHIP or WHEP session. */
  endSession(participantId: string): void;
  /** A trickled candidate for a WHIP or WHEP session. */
  addSessionCandidate(participantId: string, candidate: string, mid: string): void;
  /**
   * Sends what the room hears (each live speaker, the stage video) to the codec worker, where
   * this Space's HLS encoder runs; off again with false. Survives media worker restarts.
   */
  setEncoderTap(on: boolean): void;
  close(): void;
}

export interface LossSummary {
  downstream: number;
  upstream: number;
}

/** One worker process, as /healthz and /metrics report it. */
export interface WorkerStatus {
  name: string;
  up: boolean;
  /** Restarts after it died. */
  restarts: number;
}

/**
 * The media plane cannot do this right now (its worker died, or none is running yet); worth
 * trying again in a moment. Clients get 'unavailable' (503 over HTTP).
 */
export class MediaUnavailableError extends Error {
  override readonly name = 'MediaUnavailableError';
}

/** The media plane as the server sees it: rooms, counters for /metrics, workers, and shutdown. */
export interface MediaPlane {
  readonly counters: MediaCounters;
  room(id: string): RoomHandle;
  closeRoom(id: string): void;
  readonly roomCount: number;
  lossSummary(): LossSummary;
  status(): WorkerStatus[];
  close(): Promise<void> | void;
}
