// Shared fixtures for the Spaces domain tests: building rooms through the public API only
// (so fixtures cannot reach states the domain itself would never produce), and snapshots
// for the "a rejected command changes nothing" assertions.
import assert from 'node:assert/strict';
import type { Action } from '../../../src/protocol/messages.js';
import { Space, SpaceError, type SpaceErrorCode, type SpaceEvent, type SpaceInit } from '../../../src/spaces/index.js';

export const T0 = 1_700_000_000_000;
export const HOST = 'host';

export function person(userId: string, guest = false) {
  return { userId, handle: `@${userId}`, guest };
}

export function scheduledSpace(extra: Partial<SpaceInit> = {}): Space {
  return new Space({
    id: 'sp1',
    title: 'Test Space',
    hostId: HOST,
    hostHandle: '@host',
    state: 'scheduled',
    scheduledFor: T0 + 60_000,
    ...extra,
  });
}

/** A live Space whose host has joined. */
export function liveSpace(extra: Partial<SpaceInit> = {}): Space {
  const space = scheduledSpace(extra);
  space.join(person(HOST), T0);
  space.start(HOST, T0);
  return space;
}

export function addListener(space: Space, id: string, guest = false): void {
  space.join(person(id, guest), T0);
}

export function addRequester(space: Space, id: string): void {
  addListener(space, id);
  space.act(id, { action: 'requestToSpeak' }, T0);
}

export function addInvitee(space: Space, id: string): void {
  addListener(space, id);
  space.act(space.hostId, { action: 'invite', userId: id }, T0);
}

/** A speaker who is live: approved (which brings them on stage muted), then unmuted by themselves. */
export function addSpeaker(space: Space, id: string): void {
  addRequester(space, id);
  space.act(space.hostId, { action: 'approve', userId: id }, T0);
  space.act(id, { action: 'setMicMuted', muted: false }, T0);
}

/** A co-host who is live: made co-host from the audience (on stage muted), then unmuted by themselves. */
export function addCohost(space: Space, id: string): void {
  addListener(space, id);
  space.act(space.hostId, { action: 'makeCohost', userId: id }, T0);
  space.act(id, { action: 'setMicMuted', muted: false }, T0);
}

/** Everything observable about a Space, deep-copied and in a canonical order. */
export function snapshot(space: Space) {
  return {
    state: space.state,
    hostId: space.hostId,
    hostHandle: space.hostHandle,
    startedAt: space.startedAt,
    endedAt: space.endedAt,
    endReason: space.endReason,
    recording: space.recording,
    guestComments: space.guestComments,
    comments: [...space.rememberedComments()],
    participants: [...space.participants()].map((p) => ({ ...p })).sort((a, b) => a.userId.localeCompare(b.userId)),
    banned: [...space.bannedUsers()].sort(),
    stage: space.stage().map((p) => p.userId),
    listeners: space.listeners().map((p) => p.userId),
    requests: space.requests().map((p) => p.userId),
    listenerCount: space.listenerCount,
    stageCount: space.stageCount,
  };
}

/** Asserts that `fn` throws a SpaceError with `code` and leaves the Space untouched. */
export function assertRejected(space: Space, code: SpaceErrorCode, fn: () => unknown): void {
  const before = snapshot(space);
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SpaceError, `expected SpaceError, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
  assert.deepEqual(snapshot(space), before, 'a rejected command must not change state');
}

export function act(space: Space, actorId: string, action: Action): SpaceEvent[] {
  return space.act(actorId, action, T0);
}

/** The role (or absence) of a user, for terse assertions. */
export function roleOf(space: Space, userId: string): string | undefined {
  return space.participant(userId)?.role;
}
