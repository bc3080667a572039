// The stage and moderation actions of a live Space (everything `act` does except 'end',
// which changes the Space itself). Each handler validates completely, in the documented
// order, before its first mutation:
//   actor role permission -> target exists -> target state -> limits
// (the Space state and the actor's existence are checked by the caller, before these).
import type { Action } from '../protocol/messages.js';
import { reject } from './errors.js';
import type { SpaceEvent } from './events.js';
import { MAX_BANS, type SpaceLimits } from './limits.js';
import type { Participant } from './participant.js';
import { canModerate, canMute, isModerator, isOnStage, roleMayAttempt } from './permissions.js';
import type { Roster } from './roster.js';

export type StageAction = Exclude<Action, { action: 'end' } | { action: 'setRecording' } | { action: 'setGuestComments' } | { action: 'deleteComment' }>;

interface Ctx {
  roster: Roster;
  limits: Readonly<SpaceLimits>;
  actor: Participant;
}

export function applyAction(roster: Roster, limits: Readonly<SpaceLimits>, actor: Participant, action: StageAction): SpaceEvent[] {
  if (!roleMayAttempt(actor.role, action.action)) {
    reject('not_permitted', `a ${actor.role} cannot ${action.action}`);
  }
  const ctx: Ctx = { roster, limits, actor };
  switch (action.action) {
    case 'requestToSpeak':
      return requestToSpeak(ctx);
    case 'cancelRequest':
      return cancelRequest(ctx);
    case 'approve':
      return approve(ctx, action.userId);
    case 'deny':
      return deny(ctx, action.userId);
    case 'invite':
      return invite(ctx, action.userId);
    case 'acceptInvite':
      return acceptInvite(ctx);
    case 'declineInvite':
      return declineInvite(ctx);
    case 'mute':
      return mute(ctx, action.userId);
    case 'muteAll':
      return muteAll(ctx);
    case 'setMicMuted':
      return setMicMuted(ctx, action.muted);
    case 'setCamera':
      return setCamera(ctx, action.on);
    case 'moveToAudience':
      return moveToAudience(ctx, action.userId);
    case 'leaveStage':
      return leaveStage(ctx);
    case 'remove':
      return remove(ctx, action.userId);
    case 'makeCohost':
      return makeCohost(ctx, action.userId);
    case 'removeCohost':
      return removeCohost(ctx, action.userId);
    default: {
      // Exhaustiveness: a new action in the protocol must get a rule here before it compiles.
      const unknown: never = action;
      return reject('invalid_state', `unknown action ${(unknown as { action: string }).action}`);
    }
  }
}

function target({ roster }: Ctx, userId: string): Participant {
  return roster.get(userId) ?? reject('not_found', `${userId} is not in this Space`);
}

function assertStageRoom({ roster, limits }: Ctx): void {
  if (roster.stageCount >= limits.maxStage) reject('stage_full', `the stage is full (${limits.maxStage})`);
}

function requestToSpeak(ctx: Ctx): SpaceEvent[] {
  const { actor } = ctx;
  // Guests have no account to hold accountable on stage; the client should offer a sign-in.
  if (actor.guest) reject('unauthenticated', 'sign in to request to speak');
  if (isOnStage(actor.role)) reject('invalid_state', 'already on stage');
  if (actor.requested) reject('invalid_state', 'request already pending');
  return ctx.roster.setRequested(actor, true);
}

function cancelRequest(ctx: Ctx): SpaceEvent[] {
  if (!ctx.actor.requested) reject('invalid_state', 'no pending request');
  return ctx.roster.setRequested(ctx.actor, false);
}

function approve(ctx: Ctx, userId: string): SpaceEvent[] {
  const t = target(ctx, userId);
  if (!t.requested) reject('invalid_state', `${userId} has not requested to speak`);
  assertStageRoom(ctx);
  return ctx.roster.setRole(t, 'speaker');
}

function deny(ctx: Ctx, userId: string): SpaceEvent[] {
  const t = target(ctx, userId);
  if (!t.requested) reject('invalid_state', `${userId} has not requested to speak`);
  return ctx.roster.setRequested(t, false);
}

function invite(ctx: Ctx, userId: string): SpaceEvent[] {
  const t = target(ctx, userId);
  if (t.role !== 'listener') reject('invalid_state', `${userId} is already on stage`);
  if (t.guest) reject('not_permitted', 'guests cannot be invited to speak');
  if (t.invited) reject('invalid_state', `${userId} is already invited`);
  // An invitation nobody could accept would only frustrate the invitee.
  assertStageRoom(ctx);
  return ctx.roster.setInvited(t, true);
}

function acceptInvite(ctx: Ctx): SpaceEvent[] {
  const { actor } = ctx;
  if (!actor.invited || actor.role !== 'listener') reject('invalid_state', 'no pending invitation');
  assertStageRoom(ctx);
  return ctx.roster.setRole(actor, 'speaker');
}

function declineInvite(ctx: Ctx): SpaceEvent[] {
  if (!ctx.actor.invited) reject('invalid_state', 'no pending invitation');
  return ctx.roster.setInvited(ctx.actor, false);
}

function mute(ctx: Ctx, userId: string): SpaceEvent[] {
  const { actor } = ctx;
  const self = userId === actor.userId;
  if (!self && !isModerator(actor.role)) reject('not_permitted', 'only moderators can mute others');
  const t = target(ctx, userId);
  if (!isOnStage(t.role)) reject('invalid_state', `${userId} is not on stage`);
  if (!canMute(actor.role, t.role, self)) reject('not_permitted', `a ${actor.role} cannot mute the ${t.role}`);
  return ctx.roster.setMuted(t, true, actor.userId);
}

function muteAll(ctx: Ctx): SpaceEvent[] {
  const { actor, roster } = ctx;
  const events: SpaceEvent[] = [];
  for (const p of roster.stage()) {
    if (p.userId === actor.userId || !canMute(actor.role, p.role, false)) continue;
    events.push(...roster.setMuted(p, true, actor.userId));
  }
  return events;
}

/** The only way to unmute: a person's own microphone is theirs alone. */
function setMicMuted(ctx: Ctx, muted: boolean): SpaceEvent[] {
  const { actor } = ctx;
  if (!isOnStage(actor.role)) reject('invalid_state', 'listeners have no microphone');
  return ctx.roster.setMuted(actor, muted, actor.userId);
}

/** A camera is its owner's alone, and only stage members show video. */
function setCamera(ctx: Ctx, on: boolean): SpaceEvent[] {
  const { actor } = ctx;
  if (!isOnStage(actor.role)) reject('invalid_state', 'only people on stage can turn their camera on');
  return ctx.roster.setCamera(actor, on);
}

function moveToAudience(ctx: Ctx, userId: string): SpaceEvent[] {
  const t = target(ctx, userId);
  if (!isOnStage(t.role)) reject('invalid_state', `${userId} is not on stage`);
  if (!canModerate(ctx.actor.role, t.role)) reject('not_permitted', `a ${ctx.actor.role} cannot move the ${t.role}`);
  return ctx.roster.setRole(t, 'listener');
}

function leaveStage(ctx: Ctx): SpaceEvent[] {
  const { actor } = ctx;
  // The Space needs its host on stage; the host leaves the Space or ends it instead.
  if (actor.role === 'host') reject('invalid_state', 'the host cannot leave the stage');
  if (!isOnStage(actor.role)) reject('invalid_state', 'not on stage');
  return ctx.roster.setRole(actor, 'listener');
}

function remove(ctx: Ctx, userId: string): SpaceEvent[] {
  const { actor, roster } = ctx;
  const t = roster.get(userId);
  if (!t) return blockAbsent(ctx, userId);
  if (t.userId === actor.userId) reject('invalid_state', 'use leave to leave the Space');
  if (!canModerate(actor.role, t.role)) reject('not_permitted', `a ${actor.role} cannot remove the ${t.role}`);
  roster.delete(t.userId);
  // Removal is a block: without the ban the person could simply rejoin.
  roster.ban(t.userId);
  return [{ kind: 'removed', userId: t.userId, by: actor.userId }];
}

/**
 * Blocks someone who is not here (say, they left right after a comment), so they cannot come
 * back. Not being here, they hold no role and rank as a listener. The host of a live Space is
 * always here (leaving hands the Space over or ends it), so this never reaches the host.
 */
function blockAbsent({ actor, roster }: Ctx, userId: string): SpaceEvent[] {
  if (!canModerate(actor.role, 'listener')) reject('not_permitted', `a ${actor.role} cannot block people`);
  if (roster.isBanned(userId)) return [];
  // Bans are kept for the Space's life and stored: a moderator cannot grow them without bound.
  if (roster.banCount >= MAX_BANS) reject('invalid_state', `this Space already blocks ${MAX_BANS} people`);
  roster.ban(userId);
  return [{ kind: 'removed', userId, by: actor.userId }];
}

function makeCohost(ctx: Ctx, userId: string): SpaceEvent[] {
  const { roster, limits } = ctx;
  const t = target(ctx, userId);
  if (t.guest) reject('not_permitted', 'guests cannot be co-hosts');
  if (t.role !== 'speaker' && t.role !== 'listener') reject('invalid_state', `${userId} is already the ${t.role}`);
  if (roster.cohostCount >= limits.maxCohosts) reject('cohost_limit', `at most ${limits.maxCohosts} co-hosts`);
  // A listener needs a stage place; a speaker already has one.
  if (t.role === 'listener') assertStageRoom(ctx);
  return roster.setRole(t, 'cohost');
}

function removeCohost(ctx: Ctx, userId: string): SpaceEvent[] {
  const t = target(ctx, userId);
  if (t.role !== 'cohost') reject('invalid_state', `${userId} is not a co-host`);
  // They keep their stage place: being dismissed as co-host is not being sent off stage.
  return ctx.roster.setRole(t, 'speaker');
}
