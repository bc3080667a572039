// A whole lightweight participant: account (optional), signalling and a node-datachannel
// peer, keeping the latest state the server sent. Used by tests, benchmarks and the load
// generator.
import WebSocket from 'ws';
import { ApiClient } from '../sdk/api.js';
import { SignallingClient, type WebSocketLike } from '../sdk/signalling.js';
import { NdcPeer } from './ndc-peer.js';
import type { SpeechClip, Vp8Clip } from './media-clip.js';
import type { CommentView, PersonView, ServerMessage, SpaceSnapshot } from '../protocol/messages.js';

export interface NdcParticipant {
  handle: string;
  api: ApiClient;
  signalling: SignallingClient;
  peer: NdcPeer;
  state: { space: SpaceSnapshot | null; you: PersonView | null; invited: boolean };
  speaking: Array<Extract<ServerMessage, { type: 'speaking' }>>;
  errors: Array<Extract<ServerMessage, { type: 'error' }>>;
  /** Every node a redirect sent this participant to (a cluster: the Space ran elsewhere), in order. */
  redirects: string[];
  ended: boolean;
  /** Latest dominant speaker the server announced. */
  activeSpeaker: string | null;
  /** What this participant's stage-video slot shows, as the server last said. */
  stageVideo: { userId: string | null; pinned: boolean };
  /** ms from starting to join until the welcome arrived. */
  joinMs: number;
  /** The comment list as this participant's client would show it (history, new ones, deletions). */
  comments: CommentView[];
  /** Every chat message received, in order (comment, comments, commentDeleted), for tests. */
  chatLog: Array<Extract<ServerMessage, { type: 'comment' | 'comments' | 'commentDeleted' }>>;
  /** Every reactions batch received. */
  reactions: Array<Extract<ServerMessage, { type: 'reactions' }>>;
  close(): void;
}

export interface JoinOptions {
  /** An API client with a token; a guest listener without one. */
  api?: ApiClient;
  /** A guest's display name (without `api`). */
  guestName?: string;
  tag?: number;
  canPublish?: boolean;
  /** Keep every speaking message (tests); off for load runs. */
  recordSpeaking?: boolean;
  /** Keep every stage-video packet (tests); off for load runs. */
  logVideo?: boolean;
  /**
   * Real media to publish from the start, looping (see media-clip.ts). The server forwards
   * it once the participant is on stage, and the video once its camera is on (setCamera).
   */
  speechClip?: SpeechClip;
  cameraClip?: Vp8Clip;
}

export async function joinAsNdcParticipant(baseUrl: string, spaceId: string, opts: JoinOptions = {}): Promise<NdcParticipant> {
  const started = performance.now();
  const api = opts.api ?? new ApiClient(baseUrl);
  const signalling = new SignallingClient({
    url: baseUrl.replace(/^http/, 'ws') + '/ws',
    spaceId,
    ...(api.token ? { token: api.token } : {}),
    ...(opts.guestName !== undefined ? { guestName: opts.guestName } : {}),
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  });
  const peer = new NdcPeer({ signalling, canPublish: opts.canPublish ?? true, tag: opts.tag ?? 0, logVideo: opts.logVideo ?? true });
  const p: NdcParticipant = {
    handle: '',
    api,
    signalling,
    peer,
    state: { space: null, you: null, invited: false },
    speaking: [],
    errors: [],
    redirects: [],
    ended: false,
    activeSpeaker: null,
    stageVideo: { userId: null, pinned: false },
    joinMs: 0,
    comments: [],
    chatLog: [],
    reactions: [],
    close() {
      peer.close();
      signalling.close();
    },
  };
  signalling.on('state', (m) => (p.state = { space: m.space, you: m.you, invited: m.invited }));
  if (opts.recordSpeaking !== false) signalling.on('speaking', (m) => p.speaking.push(m));
  signalling.on('error', (m) => p.errors.push(m));
  signalling.on('redirect', (m) => p.redirects.push(m.url));
  signalling.on('ended', () => (p.ended = true));
  signalling.on('activeSpeaker', (m) => (p.activeSpeaker = m.userId));
  signalling.on('stageVideo', (m) => (p.stageVideo = { userId: m.userId, pinned: m.pinned }));
  signalling.on('comments', (m) => {
    p.chatLog.push(m);
    p.comments = [...m.comments];
  });
  signalling.on('comment', (m) => {
    p.chatLog.push(m);
    p.comments.push(m.comment);
  });
  signalling.on('commentDeleted', (m) => {
    p.chatLog.push(m);
    p.comments = p.comments.filter((c) => c.id !== m.id);
  });
  signalling.on('reactions', (m) => p.reactions.push(m));
  const welcome = await signalling.connect();
  p.joinMs = performance.now() - started;
  p.handle = welcome.you.handle;
  if (opts.speechClip) peer.startSendingClip(opts.speechClip);
  if (opts.cameraClip) peer.startCameraClip(opts.cameraClip);
  return p;
}

/**
 * `moderator` approves `speaker`'s request to speak, and the speaker, who comes on stage muted
 * (no hot mic), unmutes to be heard: what a person does by hand in the app. The approval is
 * acknowledged once stored, so the unmute that follows finds them on stage.
 */
export async function approveLive(moderator: NdcParticipant, speaker: NdcParticipant): Promise<void> {
  await moderator.signalling.act({ action: 'approve', userId: speaker.state.you!.userId });
  await speaker.signalling.act({ action: 'setMicMuted', muted: false });
}
