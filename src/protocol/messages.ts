// The signalling contract between clients (web app, SDK, bots) and the server.
// Every client message is parsed with these zod schemas before anything acts on it;
// the server is authoritative, so nothing a client claims about roles is trusted.
import { z } from 'zod';

export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_SDP_CHARS = 48 * 1024;

const userId = z.string().min(1).max(64);
const requestId = z.string().max(64).optional();

/** A comment's length limit, in Unicode code points (an emoji counts once, a ZWJ sequence per part). */
export const COMMENT_MAX_CHARS = 280;
/** The comments a joiner gets as history (the `comments` message after welcome and state). */
export const COMMENT_HISTORY_LIMIT = 50;
/** The only reactions there are; anything else is refused. */
export const REACTION_EMOJI = ['👏', '❤️', '😂', '🔥', '💯', '🙌', '😮', '👍'] as const;
export type ReactionEmoji = (typeof REACTION_EMOJI)[number];

/**
 * C0/C1 controls (newlines and tabs too), lone surrogates, and the bidi embedding, override
 * and isolate controls that could make a text read backwards. Joiners (ZWJ) stay: emoji need them.
 */
const FORBIDDEN_IN_TEXT = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;
/** What is left when nothing visible is: spaces and invisible format characters (zero-width ones). */
const INVISIBLE = /^[\s\p{Cf}]*$/u;

/**
 * Text people show to each other (a comment, a Space's title): trimmed, 1..`max` code points,
 * no control or bidi-override characters, and something visible in it.
 */
export function displayText(max: number, what: string) {
  return z
    .string()
    .trim()
    .min(1, `${what} cannot be empty`)
    .max(max * 2, `${what}: at most ${max} characters`)
    .refine((s) => [...s].length <= max, `${what}: at most ${max} characters`)
    .refine((s) => !FORBIDDEN_IN_TEXT.test(s), `control characters are not allowed in a ${what}`)
    .refine((s) => !INVISIBLE.test(s), `a ${what} needs something visible in it`);
}

const commentText = displayText(COMMENT_MAX_CHARS, 'comment');
/** A Space's title: shown to everyone, in lists and link previews. */
export const TITLE_MAX_CHARS = 100;
export const titleText = displayText(TITLE_MAX_CHARS, 'title');
/** A guest's display name: neither unique nor a handle, shown marked as a guest's. */
export const GUEST_NAME_MAX_CHARS = 32;
/**
 * A guest's display name: control characters refused before anything else (a newline is not a
 * space to fold), then NFC and every run of whitespace folded to one space, then 1..32 visible
 * code points. Refused names change nothing.
 */
export const guestName = z
  .string()
  .max(GUEST_NAME_MAX_CHARS * 8, `name: at most ${GUEST_NAME_MAX_CHARS} characters`)
  .refine((s) => !FORBIDDEN_IN_TEXT.test(s), 'control characters are not allowed in a name')
  .transform((s) => s.normalize('NFC').replace(/\s+/gu, ' '))
  .pipe(displayText(GUEST_NAME_MAX_CHARS, 'name'));
const commentId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a comment id');

export const roleSchema = z.enum(['host', 'cohost', 'speaker', 'listener']);
export type Role = z.infer<typeof roleSchema>;

/** Moderation and self actions a client can ask for; the domain decides whether they are allowed. */
export const actionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('requestToSpeak') }),
  z.object({ action: z.literal('cancelRequest') }),
  z.object({ action: z.literal('approve'), userId }),
  z.object({ action: z.literal('deny'), userId }),
  z.object({ action: z.literal('invite'), userId }),
  z.object({ action: z.literal('acceptInvite') }),
  z.object({ action: z.literal('declineInvite') }),
  z.object({ action: z.literal('mute'), userId }),
  z.object({ action: z.literal('muteAll') }),
  z.object({ action: z.literal('setMicMuted'), muted: z.boolean() }),
  z.object({ action: z.literal('setCamera'), on: z.boolean() }),
  z.object({ action: z.literal('moveToAudience'), userId }),
  z.object({ action: z.literal('leaveStage') }),
  z.object({ action: z.literal('remove'), userId }),
  z.object({ action: z.literal('makeCohost'), userId }),
  z.object({ action: z.literal('removeCohost'), userId }),
  /** Host only: record the Space's mixed audio and stage video for replay (on or off at any time). */
  z.object({ action: z.literal('setRecording'), on: z.boolean() }),
  /**
   * Deletes a comment for everyone (history, storage, replay). Anyone may delete their own; the
   * host and co-hosts may delete those of people they outrank (see canDeleteComment).
   */
  z.object({ action: z.literal('deleteComment'), commentId }),
  /** Host only: whether guests (no account) may comment; on by default. */
  z.object({ action: z.literal('setGuestComments'), on: z.boolean() }),
  z.object({ action: z.literal('end') }),
]);
export type Action = z.infer<typeof actionSchema>;
export type ActionName = Action['action'];

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** First message on a connection. `token` is a session JWT; without it the client is a guest listener. */
  z.object({
    type: z.literal('join'),
    spaceId: z.string().min(1).max(64),
    token: z.string().max(4096).optional(),
    /**
     * A guest's secret, kept by its client across reloads so that it comes back as the same
     * listener. Never shown to anyone else: others see a public id derived from it.
     */
    guestSecret: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/, 'guestSecret: 16 to 64 letters, digits, - or _')
      .optional(),
    /** The older name of guestSecret. */
    guestId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,64}$/, 'guestId: 16 to 64 letters, digits, - or _')
      .optional(),
    /** A guest's display name (ignored with a token: an account shows its handle). */
    guestName: guestName.optional(),
    rid: requestId,
  }),
  z.object({ type: z.literal('answer'), sdp: z.string().min(1).max(MAX_SDP_CHARS), rid: requestId }),
  z.object({
    type: z.literal('candidate'),
    candidate: z.string().max(1024),
    mid: z.string().max(32),
  }),
  /** The client changed what it sends (e.g. attached its microphone) and wants a fresh offer. */
  z.object({ type: z.literal('renegotiate'), rid: requestId }),
  z.object({ type: z.literal('action'), rid: requestId, body: actionSchema }),
  /** Holds this viewer's stage video on one person (null: follow the active speaker again). Local to the viewer. */
  z.object({ type: z.literal('pin'), rid: requestId, userId: userId.nullable() }),
  /**
   * A listener's "Low data mode": 'hls' trades WebRTC's sub-second latency for a few seconds
   * of HLS; 'webrtc' asks to come back (granted while the node has WebRTC capacity).
   */
  z.object({ type: z.literal('setTier'), rid: requestId, tier: z.enum(['webrtc', 'hls']) }),
  z.object({ type: z.literal('leave'), rid: requestId }),
  z.object({ type: z.literal('ping'), rid: requestId }),
  /** A comment to everyone in the Space (trimmed; 1..280 characters; rate-limited per person). */
  z.object({ type: z.literal('comment'), rid: requestId, text: commentText }),
  /** A guest changes their display name; everyone sees it in the next state (and on later comments). */
  z.object({ type: z.literal('setName'), rid: requestId, name: guestName }),
  /** A reaction from the fixed set; delivered to everyone in batches (`reactions`), rate-limited per person. */
  z.object({ type: z.literal('react'), rid: requestId, emoji: z.enum(REACTION_EMOJI) }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const errorCodes = [
  'bad_json',
  'bad_message',
  'message_too_large',
  'rate_limited',
  'not_joined',
  'already_joined',
  'unauthenticated',
  'space_not_found',
  'space_not_live',
  'space_ended',
  'not_permitted',
  'not_found',
  'banned',
  'stage_full',
  'cohost_limit',
  'invalid_state',
  'invalid_sdp',
  /** The server could not do it right now (storage failing, a media worker restarting): nothing changed, try again. */
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface PersonView {
  userId: string;
  handle: string;
  role: Role;
  /** Microphone muted (by themselves or by a moderator). */
  muted: boolean;
  /** Camera on (stage members only). */
  camera: boolean;
  /** False while the person's connection is down and the server holds their place. */
  connected: boolean;
  /** A pending request to speak (listeners only). */
  requested: boolean;
  guest: boolean;
  /** A guest's chosen display name (absent: none chosen, or not a guest). */
  name?: string;
}

export interface SpaceSummary {
  id: string;
  title: string;
  state: 'scheduled' | 'live' | 'ended';
  hostId: string;
  hostHandle: string;
  scheduledFor: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** The host turned "Record Space" on. */
  recording: boolean;
  /** 'broadcast': the host streams video live to the audience ("Go live"). */
  kind: 'space' | 'broadcast';
}

/** The state of a live Space as one viewer is allowed to see it. */
export interface SpaceSnapshot extends SpaceSummary {
  stage: PersonView[];
  /** The first listeners (at most LISTENER_LIST_LIMIT); `listenerCount` is exact. */
  listeners: PersonView[];
  listenerCount: number;
  /** Pending requests to speak, oldest first; only sent to the host and co-hosts. */
  requests: PersonView[];
  endReason: string | null;
  /** The dominant speaker right now, as the server's detector sees it. */
  activeSpeaker: string | null;
  /** Guests may comment (the host can turn this off). */
  guestComments: boolean;
}

/** A comment as everyone sees it. */
export interface CommentView {
  id: string;
  userId: string;
  handle: string;
  /** The guest's display name when they posted it (absent for accounts and unnamed guests). */
  name?: string;
  text: string;
  /** When it was posted (ISO-8601). */
  at: string;
}

export const LISTENER_LIST_LIMIT = 200;

export type ServerMessage =
  /**
   * You are in. `guestSecret`: the secret the server made for a guest whose client brought none;
   * send it back as `guestSecret` on every later join to stay the same guest (it is sent to you alone).
   */
  | {
      type: 'welcome';
      rid?: string;
      you: { userId: string; handle: string; guest: boolean; name?: string };
      iceServers: IceServerConfig[];
      guestSecret?: string;
    }
  | { type: 'state'; space: SpaceSnapshot; you: PersonView | null; invited: boolean }
  /**
   * The server's offer. `fresh`: it starts a new server-side PeerConnection (a join, a move off
   * HLS, or the media worker that held the old one restarted): drop yours and answer on a new one.
   */
  | { type: 'offer'; sdp: string; fresh?: boolean }
  | { type: 'candidate'; candidate: string; mid: string }
  /** Who is talking now, by user id, with a 0..1 loudness; sent several times a second while it changes. */
  | { type: 'speaking'; speakers: Array<{ userId: string; level: number }> }
  /** The dominant speaker changed (also sent at once to someone who joins). */
  | { type: 'activeSpeaker'; userId: string | null }
  /** Whose camera this viewer's stage-video slot carries now (null: none); sent when it changes. */
  | { type: 'stageVideo'; userId: string | null; pinned: boolean; layer: 'high' | 'low' }
  | { type: 'ack'; rid?: string }
  | { type: 'pong'; rid?: string }
  | { type: 'error'; rid?: string; code: ErrorCode; message: string }
  /**
   * How this participant receives the Space: over WebRTC, or as HLS at `hlsUrl` (when the
   * node's WebRTC tier is full, or in Low data mode). Sent after welcome and on every change.
   */
  | { type: 'tier'; tier: AudienceTier; reason: TierReason; hlsUrl: string | null }
  | { type: 'ended'; reason: string }
  /**
   * The Space runs on another node of the cluster: join again at `url` (its /ws). Sent in
   * answer to a join; the server then closes the socket with 4010.
   */
  | { type: 'redirect'; rid?: string; url: string }
  | { type: 'removed' }
  /** A new comment, to everyone in the Space (the poster included, before their ack). */
  | { type: 'comment'; comment: CommentView }
  /**
   * The latest comments (at most COMMENT_HISTORY_LIMIT), oldest first: sent on every join right
   * after welcome and state. It replaces whatever list the client had.
   */
  | { type: 'comments'; comments: CommentView[] }
  /** A comment was deleted: drop it from the list. */
  | { type: 'commentDeleted'; id: string }
  /**
   * Everyone's reactions of the last batch window (200 ms), counted per emoji; the same
   * message goes to everyone, the reactors included (clients show their own from here too).
   */
  | { type: 'reactions'; items: Array<{ emoji: ReactionEmoji; count: number }> };

export type AudienceTier = 'webrtc' | 'hls';
/** Why the server chose the tier: its capacity, the listener's own request, or the stage (always WebRTC). */
export type TierReason = 'default' | 'capacity' | 'requested' | 'stage';

export interface IceServerConfig {
  urls: string[];
  username?: string;
  credential?: string;
}

/** A Space's recording as the HTTP API describes it (GET /api/spaces/:id/recording). */
export interface RecordingView {
  id: string;
  spaceId: string;
  title: string;
  state: 'recording' | 'ready' | 'failed';
  startedAt: string;
  endedAt: string | null;
  durationSec: number;
  /** HLS VOD master playlist. */
  playlistUrl: string;
  hasVideo: boolean;
  /** Who the detector named the active speaker, and when, in seconds of the recording. */
  timeline: Array<{ userId: string; handle: string; startSec: number; endSec: number }>;
  /**
   * The comments posted while the recording ran (deleted ones never), oldest first, each at its
   * moment in the recording; at most RECORDING_COMMENT_LIMIT.
   */
  comments: Array<CommentView & { atSec: number }>;
  expiresAt: string | null;
}

export const RECORDING_COMMENT_LIMIT = 10_000;

/** GET /api/spaces/:id/comments: a page of comments, oldest first; `nextBefore` fetches the page before it. */
export interface CommentPage {
  comments: CommentView[];
  /** Pass as `before` for the previous (older) page; null when this page reaches the first comment. */
  nextBefore: string | null;
}
