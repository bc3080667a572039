// What a joined participant's messages do, once the WebSocket adapter has validated them: the
// dispatch behind LiveSpace.handle, the one entry. Actions (moderation and the rest) go to the
// Space's commands, comments and reactions to its chat, media signalling to its room, Low data
// mode to the seating. Kept apart from LiveSpace, which holds the Space's lifecycle and applies
// every domain event whichever of these caused it.
import type { Space } from '../spaces/index.js';
import type { RoomHandle } from '../media/room/room-handle.js';
import type { Action, AudienceTier, ClientMessage, CommentView, ReactionEmoji } from '../protocol/messages.js';
import { normaliseCandidate } from '../media/transport/ice-candidate.js';
import { isOnStage } from '../spaces/permissions.js';
import type { AudienceSeating } from './audience-seating.js';
import { AppError } from './app-error.js';

/** What a joined participant's client sends (join, ping and leave are the connection's own). */
export type SpaceMessage = Exclude<ClientMessage, { type: 'join' | 'ping' | 'leave' }>;

/** What the Space needs of its chat (SpaceChat; declared here so that neither imports the other). */
export interface LiveChat {
  post(userId: string, text: string): Promise<unknown>;
  react(userId: string, emoji: ReactionEmoji): void;
  deleteComment(actorId: string, commentId: string): Promise<void>;
  recent(): CommentView[];
}

/** The parts of a live Space that messages act on. */
export interface MessageTargets {
  space: Space;
  room: RoomHandle;
  seating: AudienceSeating;
  connected(userId: string): boolean;
  /** Runs an action on the Space's commands; resolves once it is stored. */
  act(userId: string, action: Action): Promise<void>;
  /** A guest's new display name. */
  rename(userId: string, name: string): Promise<void>;
  chat(): LiveChat | null;
}

export async function handleMessage(t: MessageTargets, userId: string, msg: SpaceMessage): Promise<void> {
  switch (msg.type) {
    case 'answer':
      return t.room.applyAnswer(userId, msg.sdp);
    case 'candidate': {
      // Throws InvalidCandidateError for a line that is not a candidate (nothing reaches the media plane).
      const line = normaliseCandidate(msg.candidate);
      if (line !== null) t.room.addCandidate(userId, line, msg.mid);
      return;
    }
    case 'renegotiate':
      return t.room.renegotiate(userId);
    case 'action':
      // Deleting a comment also removes it from storage and history: the chat runs it (through act).
      if (msg.body.action === 'deleteComment') return chatOf(t).deleteComment(userId, msg.body.commentId);
      return t.act(userId, msg.body);
    case 'comment':
      await chatOf(t).post(userId, msg.text);
      return;
    case 'react':
      return chatOf(t).react(userId, msg.emoji);
    case 'setTier':
      return requestTier(t, userId, msg.tier);
    case 'pin':
      return pin(t, userId, msg.userId);
    case 'setName':
      return t.rename(userId, msg.name);
  }
}

function chatOf(t: MessageTargets): LiveChat {
  const chat = t.chat();
  if (!chat) throw new AppError('unavailable', 'the chat is not ready yet; try again in a moment');
  return chat;
}

/** A listener turns Low data mode on ('hls') or off ('webrtc', granted while the node has room). */
function requestTier(t: MessageTargets, userId: string, tier: AudienceTier): void {
  const p = t.space.participant(userId);
  if (!p || !t.connected(userId)) throw new AppError('not_found', 'you are not in this Space');
  if (tier === 'hls' && isOnStage(p.role)) throw new AppError('invalid_state', 'people on stage stay on WebRTC');
  t.seating.request(userId, tier);
}

/** Pins this viewer's stage video on a person on stage, or unpins with null. */
function pin(t: MessageTargets, userId: string, targetId: string | null): void {
  if (targetId !== null) {
    const target = t.space.participant(targetId);
    if (!target || target.role === 'listener') throw new AppError('not_found', 'you can only pin someone on stage');
  }
  t.room.pin(userId, targetId);
}
