// What a viewer may do to another person, mirroring the domain's rules (DESIGN §1).
// The server decides in the end; this only decides which controls to show.
import type { PersonView, Role } from '../../../src/protocol/messages.js';

export type PersonAction = 'mute' | 'moveToAudience' | 'makeCohost' | 'removeCohost' | 'remove';

/** What anyone may do about the stage video, for themselves only. */
export type ViewAction = 'pin' | 'unpin';

export interface MenuItem<A extends string = PersonAction> {
  action: A;
  label: string;
  danger?: boolean;
  /** Draw a line above this item (between groups). */
  separated?: boolean;
}

export function isOnStage(role: Role | undefined | null): boolean {
  return role === 'host' || role === 'cohost' || role === 'speaker';
}

export function isModerator(role: Role | undefined | null): boolean {
  return role === 'host' || role === 'cohost';
}

/** Items of the "Actions for HANDLE" menu, in display order. Empty: no menu at all. */
export function menuItemsFor(viewer: PersonView | null, target: PersonView): MenuItem[] {
  if (!viewer || viewer.userId === target.userId || !isModerator(viewer.role)) return [];
  const viewerIsHost = viewer.role === 'host';
  // A co-host cannot act on the host or on other co-hosts, except to mute a co-host
  // (the server's rule: the host outranks co-hosts, so nobody but the host mutes the host).
  const mayManage = viewerIsHost ? target.role !== 'host' : !isModerator(target.role);
  const mayMute = viewerIsHost || target.role !== 'host';
  const items: MenuItem[] = [];
  if (isOnStage(target.role)) {
    if (mayMute) items.push({ action: 'mute', label: 'Mute' });
    if (mayManage) items.push({ action: 'moveToAudience', label: 'Move to audience' });
  }
  if (viewerIsHost && !target.guest) {
    if (target.role === 'cohost') items.push({ action: 'removeCohost', label: 'Remove co-host' });
    else if (target.role !== 'host') items.push({ action: 'makeCohost', label: 'Make co-host' });
  }
  if (mayManage) items.push({ action: 'remove', label: 'Remove', danger: true });
  return items;
}

/**
 * Pinning holds this viewer's stage video on someone on stage. Anyone may pin, listeners and
 * guests included; pinning yourself would only show you your own camera, so it is not offered.
 */
export function viewItemsFor(viewer: PersonView | null, target: PersonView, pinnedId: string | null): MenuItem<ViewAction>[] {
  if (!isOnStage(target.role) || viewer?.userId === target.userId) return [];
  return pinnedId === target.userId ? [{ action: 'unpin', label: 'Unpin' }] : [{ action: 'pin', label: `Pin ${target.handle}` }];
}

/** Hosts and co-hosts invite listeners with an account (guests cannot speak). */
export function canInvite(viewer: PersonView | null, target: PersonView): boolean {
  return !!viewer && isModerator(viewer.role) && target.role === 'listener' && !target.guest && viewer.userId !== target.userId;
}

const RANK: Record<Role, number> = { host: 0, cohost: 1, speaker: 2, listener: 3 };

/** Host first, then co-hosts, then speakers; stable within a role. */
export function byStageOrder(people: PersonView[]): PersonView[] {
  return people
    .map((p, i) => ({ p, i }))
    .sort((a, b) => RANK[a.p.role] - RANK[b.p.role] || a.i - b.i)
    .map((x) => x.p);
}

/** Whether a moderator outranks someone of this role, as for removing them (the server's canModerate). */
function outranks(viewer: Role, target: Role): boolean {
  if (viewer === 'host') return target !== 'host';
  if (viewer === 'cohost') return !isModerator(target);
  return false;
}

export type CommentAction = 'delete' | 'block';

/**
 * The menu on a comment. Anyone may delete their own; hosts and co-hosts delete those of
 * people they outrank, and can block them from the Space (the same as Remove). `author` is
 * the author as the page knows them (null: not in the lists we have, e.g. they left; the
 * server ranks them as a listener).
 */
export function commentItemsFor(viewer: PersonView | null, authorId: string, author: PersonView | null): MenuItem<CommentAction>[] {
  if (!viewer) return [];
  if (viewer.userId === authorId) return [{ action: 'delete', label: 'Delete comment', danger: true }];
  if (!outranks(viewer.role, author?.role ?? 'listener')) return [];
  return [
    { action: 'delete', label: 'Delete comment', danger: true },
    { action: 'block', label: 'Block from Space', danger: true },
  ];
}

/**
 * The host hands out WHIP stream keys: to themselves (from the stage's head) and, from the
 * person menu, to anyone else on stage with an account.
 */
export function canIssueStreamKey(viewer: PersonView | null, target: PersonView): boolean {
  return viewer?.role === 'host' && viewer.userId !== target.userId && isOnStage(target.role) && !target.guest;
}
