// Which controls the page offers on a person, a comment or the stage video: the menus' items,
// labels and order. Who may do what is the domain's rule (src/spaces/permissions.ts), imported
// here rather than restated, so the page can never offer what the server would refuse (nor hide
// what it allows). The server decides in the end; this only decides which controls to show.
import type { PersonView, Role } from '../../../src/protocol/messages.js';
import {
  canDeleteComment,
  canModerate,
  canMute,
  isModerator as isModeratorRole,
  isOnStage as isOnStageRole,
  stageRank,
} from '../../../src/spaces/permissions.js';

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

/** The domain's isOnStage, for a viewer the page may not know yet (null: not on stage). */
export function isOnStage(role: Role | undefined | null): boolean {
  return !!role && isOnStageRole(role);
}

/** The domain's isModerator, for a viewer the page may not know yet (null: not a moderator). */
export function isModerator(role: Role | undefined | null): boolean {
  return !!role && isModeratorRole(role);
}

/** Items of the "Actions for HANDLE" menu, in display order. Empty: no menu at all. */
export function menuItemsFor(viewer: PersonView | null, target: PersonView): MenuItem[] {
  if (!viewer || viewer.userId === target.userId || !isModerator(viewer.role)) return [];
  const mayManage = canModerate(viewer.role, target.role);
  const items: MenuItem[] = [];
  if (isOnStage(target.role)) {
    if (canMute(viewer.role, target.role, false)) items.push({ action: 'mute', label: 'Mute' });
    if (mayManage) items.push({ action: 'moveToAudience', label: 'Move to audience' });
  }
  // Guests cannot be co-hosts (nor speak); only the host makes and dismisses co-hosts.
  if (viewer.role === 'host' && !target.guest) {
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

/** Host first, then co-hosts, then speakers (the domain's stage order); stable within a role. */
export function byStageOrder(people: PersonView[]): PersonView[] {
  return people
    .map((p, i) => ({ p, i }))
    .sort((a, b) => stageRank(a.p.role) - stageRank(b.p.role) || a.i - b.i)
    .map((x) => x.p);
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
  if (!canDeleteComment(viewer.role, author?.role ?? null, false)) return [];
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
