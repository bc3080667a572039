// What a successful command changed. Commands return these so the app layer can broadcast,
// persist and adjust media (e.g. open a publisher slot on 'roleChanged' to a stage role)
// without diffing state.
import type { Role } from '../protocol/messages.js';

/** Well-known end reasons; other strings are allowed for operator-initiated ends. */
export type EndReason = 'host_ended' | 'host_left' | 'host_timeout' | (string & {});

export type SpaceEvent =
  | { kind: 'started' }
  | { kind: 'joined'; userId: string }
  | { kind: 'reconnected'; userId: string }
  | { kind: 'disconnected'; userId: string }
  /** Left on their own or after the grace period expired; not a ban. */
  | { kind: 'left'; userId: string }
  /**
   * Coming on stage also clears a pending request/invitation (reported separately) and
   * starts muted (the host of a new Space excepted), without a 'muteChanged': nobody muted
   * them, they simply are not live until they unmute. Leaving the stage resets `muted` to
   * false, also without one, because that reset is not anyone unmuting someone else.
   */
  | { kind: 'roleChanged'; userId: string; from: Role; to: Role }
  | { kind: 'muteChanged'; userId: string; muted: boolean; by: string }
  /** Only ever by the person themselves: nobody turns someone else's camera on or off. */
  | { kind: 'cameraChanged'; userId: string; on: boolean }
  | { kind: 'requestChanged'; userId: string; requested: boolean }
  | { kind: 'inviteChanged'; userId: string; invited: boolean }
  /** Removed by a moderator, and banned from rejoining. */
  | { kind: 'removed'; userId: string; by: string }
  | { kind: 'hostChanged'; from: string; to: string }
  | { kind: 'recordingChanged'; on: boolean }
  /** A comment was accepted; the app layer stores and broadcasts it. */
  | { kind: 'commented'; commentId: string; userId: string }
  /** A comment was deleted by its author or a moderator; the app layer removes it everywhere. */
  | { kind: 'commentDeleted'; commentId: string; authorId: string; by: string }
  /** A reaction was accepted (nothing in the Space changes; the app layer delivers it). */
  | { kind: 'reacted'; userId: string; emoji: string }
  | { kind: 'guestCommentsChanged'; on: boolean }
  /** A guest chose a (new) display name: nothing stored, the next state shows it. */
  | { kind: 'renamed'; userId: string }
  | { kind: 'ended'; reason: EndReason };

export type SpaceEventKind = SpaceEvent['kind'];
