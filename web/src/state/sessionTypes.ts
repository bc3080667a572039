// The shape of a live session as the Space page sees it, how connections end, and small
// helpers of the session.
import type { Action, CommentView, PersonView, ReactionEmoji, SpaceSnapshot, SpaceSummary } from '../../../src/protocol/messages.js';
import type { ConnectionStatus } from '../../../src/sdk/signalling.js';
import type { CameraState } from './camera.js';
import type { ReactionBatch } from './chat.js';
import type { MicState } from './microphone.js';
import type { TierView } from './tier.js';

export type SessionPhase =
  | 'connecting'
  | 'live'
  | 'scheduled'
  | 'ended'
  | 'removed'
  | 'notFound'
  | 'failed'
  /** The same account joined from another tab or device, which took over. */
  | 'replaced';

/** Close codes the server uses: a newer connection of the same person took over; removed. */
const REPLACED_CLOSE_CODE = 4000;
const REMOVED_CLOSE_CODE = 4001;
const ENDED_CLOSE_REASON = 'space ended';

/** Why a socket closed for good, when the close itself says so. */
export function terminalClose(ev: CloseEvent): SessionPhase | null {
  if (ev.code === REPLACED_CLOSE_CODE) return 'replaced';
  if (ev.code === REMOVED_CLOSE_CODE) return 'removed';
  if (ev.reason === ENDED_CLOSE_REASON) return 'ended';
  return null;
}

export function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** Speaking levels that changed too little to redraw for. */
export function sameSpeaking(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (Math.abs((b.get(k) ?? -1) - v) > 0.02) return false;
  return true;
}

/** The phase a refused join leads to. */
export function phaseForJoinError(code: string | null): SessionPhase {
  if (code === 'space_not_found') return 'notFound';
  if (code === 'space_ended') return 'ended';
  if (code === 'banned') return 'removed';
  if (code === 'space_not_live') return 'scheduled';
  return 'failed';
}

export interface Me {
  userId: string;
  handle: string;
  guest: boolean;
}

/** What this viewer's stage-video slot carries, as the server last said. */
export interface StageVideoState {
  /** Whose camera is on screen (null: nobody's; show the active speaker's avatar instead). */
  userId: string | null;
  pinned: boolean;
  /** Which of the camera's layers the server sends us (it picks the low one on a poor link). */
  layer: 'high' | 'low';
}

export interface SpaceSession {
  phase: SessionPhase;
  status: ConnectionStatus;
  /** The latest snapshot from a 'state' message (live or scheduled Space). */
  space: SpaceSnapshot | null;
  /** For a scheduled Space the server would not let us join: its summary over REST. */
  summary: SpaceSummary | null;
  you: PersonView | null;
  me: Me | null;
  invited: boolean;
  /** userId → loudness 0..1 of everyone talking right now. */
  speaking: ReadonlyMap<string, number>;
  failure: string | null;
  audioBlocked: boolean;
  mic: MicState;
  /** The dominant speaker, from the server's detector. */
  activeSpeaker: string | null;
  stageVideo: StageVideoState;
  /** The remote stage-video track (mid "v0"); one for the whole Space. */
  stageTrack: MediaStreamTrack | null;
  /** Whom this viewer pinned (null: the stage video follows the active speaker). */
  pinnedId: string | null;
  camera: CameraState;
  /** Your own camera while it is on, for the preview. */
  cameraTrack: MediaStreamTrack | null;
  setCamera(on: boolean): void;
  /** Holds the stage video on a person (null: follow the active speaker). Resolves true on success. */
  pin(userId: string | null): Promise<boolean>;
  /** Sends an action; errors become a toast. Resolves true when the server accepted it. */
  act(action: Action): Promise<boolean>;
  leave(): Promise<void>;
  resumeAudio(): void;
  retryMic(): void;
  /** Connects again from scratch (after a drop, or when a scheduled Space goes live). */
  reconnect(): void;
  /** WebRTC or HLS, and the HLS stream to play (which outlives the HLS tier during a handover). */
  tier: TierView;
  /** A Low data mode change the server has not answered yet. */
  tierPending: boolean;
  /** Low data mode: receive the Space as HLS (on) or over WebRTC (off). Resolves true when accepted. */
  setLowData(on: boolean): Promise<boolean>;
  /** The latest comments, oldest first. */
  comments: CommentView[];
  /** Posts a comment; errors (rate limits…) become a toast. Resolves true once everyone has it. */
  sendComment(text: string): Promise<boolean>;
  /** Deletes a comment for everyone (your own; a host's or co-host's also others'). */
  deleteComment(id: string): Promise<boolean>;
  /** Sends a reaction; everyone sees it float over the stage, you too. */
  react(emoji: ReactionEmoji): void;
  /** Listens to reaction batches (to animate them); returns the unsubscribe. */
  onReactions(listener: (items: ReactionBatch) => void): () => void;
}
