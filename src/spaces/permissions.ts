// The role rules, as small pure predicates, so the matrix is readable in one place and
// space.ts/actions.ts only decide *which* rule applies and which error to throw.
import type { Action, Role } from '../protocol/messages.js';

/** Rank for "who can act on whom": a moderator only reaches people strictly below them. */
const RANK: Record<Role, number> = { host: 3, cohost: 2, speaker: 1, listener: 0 };

export function isModerator(role: Role): boolean {
  return role === 'host' || role === 'cohost';
}

export function isOnStage(role: Role): boolean {
  return role !== 'listener';
}

/**
 * Whether `actor` may move `target` to the audience or remove them: the host reaches
 * everyone but themselves, a co-host reaches speakers and listeners but not other co-hosts
 * (co-hosts are the host's choice, so only the host can undo them).
 */
export function canModerate(actor: Role, target: Role): boolean {
  return isModerator(actor) && RANK[actor] > RANK[target];
}

/**
 * Whether `actor` may mute `target`. Anyone may mute themselves. Moderators may mute
 * anyone on stage except that a co-host cannot mute the host (the host outranks them);
 * muting another co-host is allowed, as "mute all" does it too. Unmuting is never
 * granted here: only a person can unmute their own microphone (setMicMuted).
 */
export function canMute(actor: Role, target: Role, self: boolean): boolean {
  if (self) return true;
  if (!isModerator(actor)) return false;
  return target !== 'host' || actor === 'host';
}

/**
 * Whether `actor` may delete a comment written by someone whose role is now `author` (null:
 * they are no longer in the Space). Anyone may delete their own; otherwise as for removing
 * the author: the host any, a co-host those of speakers and listeners (not the host's, not
 * another co-host's); an author who left ranks as a listener.
 */
export function canDeleteComment(actor: Role, author: Role | null, self: boolean): boolean {
  if (self) return true;
  return canModerate(actor, author ?? 'listener');
}

/** Only the host creates or dismisses co-hosts, records, decides whether guests may comment, and ends the Space. */
export function isHostOnly(action: Action['action']): boolean {
  return action === 'makeCohost' || action === 'removeCohost' || action === 'setRecording' || action === 'setGuestComments' || action === 'end';
}

/** Actions that need the host or a co-host. */
export function isModeratorOnly(action: Action['action']): boolean {
  return action === 'approve' || action === 'deny' || action === 'invite' || action === 'muteAll' || action === 'moveToAudience' || action === 'remove';
}

/** Whether `role` may perform `action` at all, before looking at any target. */
export function roleMayAttempt(role: Role, action: Action['action']): boolean {
  if (isHostOnly(action)) return role === 'host';
  if (isModeratorOnly(action)) return isModerator(role);
  return true;
}

/** Stage order: host, then co-hosts, then speakers. */
export function stageRank(role: Role): number {
  return 3 - RANK[role];
}
