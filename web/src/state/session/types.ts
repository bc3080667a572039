// The shapes of the live session's slices, and what the session asks of the media side (the
// microphone, the camera and WebRTC, which need a browser) so the controller itself does not.
import type { Action, PersonView, ServerMessage, SpaceSnapshot, SpaceSummary } from '../../../../src/protocol/messages.js';
import type { ConnectionStatus, SignallingClient, WebSocketFactory } from '../../../../src/sdk/signalling.js';
import type { TierView } from '../tier.js';

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

export type NoticeKind = 'info' | 'error' | 'success';

export interface ConnectionView {
  phase: SessionPhase;
  status: ConnectionStatus;
  /** Why joining failed, in the server's words (phase 'failed', or a refused rejoin). */
  failure: string | null;
}

export interface SpaceDetails {
  /** The live Space's summary from its latest 'state', or for a Space we could not join (scheduled) the one over REST. */
  summary: SpaceSummary | null;
  /** A 'state' arrived: the lists (stage, audience) are the server's. */
  joined: boolean;
  /** Guests may comment (the host can turn this off). */
  guestComments: boolean;
}

export interface AudienceView {
  /** The first listeners (at most LISTENER_LIST_LIMIT). */
  listeners: PersonView[];
  listenerCount: number;
  /** Pending requests to speak, oldest first; only a host or co-host gets them. */
  requests: PersonView[];
}

/** Who you are (from 'welcome'), what the server says of you, and what that lets you do. */
export interface MeView {
  me: { userId: string; handle: string; guest: boolean } | null;
  you: PersonView | null;
  /** A host invited you on stage and you have not answered yet. */
  invited: boolean;
  /** A guest (until 'welcome' says otherwise, anyone is treated as one). */
  guest: boolean;
  host: boolean;
  moderator: boolean;
  onStage: boolean;
}

/** What this viewer's stage-video slot carries, as the server last said. */
export interface StageVideoState {
  /** Whose camera is on screen (null: nobody's; show the active speaker's avatar instead). */
  userId: string | null;
  pinned: boolean;
  /** Which of the camera's layers the server sends us (it picks the low one on a poor link). */
  layer: 'high' | 'low';
}

export interface TierSlice {
  /** WebRTC or HLS, and the HLS stream to play (which outlives the HLS tier during a handover). */
  view: TierView;
  /** A Low data mode change the server has not answered yet. */
  pending: boolean;
}

export type WelcomeMessage = Extract<ServerMessage, { type: 'welcome' }>;

/** What the media side may ask of the session. */
export interface MediaHost {
  /** Sends an action; errors become a notice. Resolves true when the server accepted it. */
  act(action: Action): Promise<boolean>;
  notify(text: string, kind?: NoticeKind): void;
  /** WebRTC audio is really playing: an HLS stream kept for the handover can stop. */
  webrtcAudioPlaying(): void;
  peerConnectionState(state: RTCPeerConnectionState): void;
}

/**
 * The media side of a session (the browser's: web/src/state/session/browserMedia.ts). The
 * controller tells it what happened; it owns the peer connection, the microphone, the camera
 * and the speakers.
 */
export interface SessionMedia {
  /** A connection attempt begins, on this client. */
  begin(client: SignallingClient): void;
  /** The server welcomed us (a join or a rejoin) and will offer: start a fresh peer connection. */
  joined(welcome: WelcomeMessage): void;
  /** The latest state of the live Space and of you in it. */
  state(space: SpaceSnapshot, you: PersonView | null): void;
  /** Moved onto HLS: the server has no peer for us any more, whatever WebRTC played is gone. */
  hls(): void;
  /** The session is over, or the page leaves it: release everything. */
  stop(): void;
}

export interface SpaceSessionOptions<M extends SessionMedia> {
  spaceId: string;
  /** ws:// or wss:// URL of the server's /ws endpoint. */
  url: string;
  /** An account's token, or a guest's secret (kept across reloads to stay the same guest). */
  identity: { token: string } | { guestSecret: string; guestName?: string };
  createSocket: WebSocketFactory;
  /** The Space's summary over REST (null: no such Space), for a scheduled Space we could not join. */
  fetchSpace(spaceId: string): Promise<SpaceSummary | null>;
  notify(text: string, kind?: NoticeKind): void;
  /** Makes the media side, given what it may ask of the session (under node: withoutMedia). */
  media: (host: MediaHost) => M;
  /** How often a scheduled Space is looked at again, to join once it is live (ms). */
  schedulePollMs?: number;
  /** How long leaving waits for the server's answer before closing anyway (ms). */
  leaveGraceMs?: number;
  /** Give up reconnecting after this long without a successful join (ms; the SDK's default). */
  reconnectWindowMs?: number;
}
