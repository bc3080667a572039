// The server sends the whole Space in every 'state' message, freshly parsed, so every list in
// it is a new object even when nothing in it changed. These keep the previous object whenever
// the new one is equal, so each slice of the session changes identity only when its own
// content changed (a listener joining leaves the stage slice as it was).
import type { PersonView, SpaceSnapshot, SpaceSummary } from '../../../../src/protocol/messages.js';
import { isModerator, isOnStage } from '../../lib/menus.js';
import type { AudienceView, MeView, SpaceDetails } from './types.js';

export function samePerson(a: PersonView, b: PersonView): boolean {
  return (
    a.userId === b.userId &&
    a.handle === b.handle &&
    a.role === b.role &&
    a.muted === b.muted &&
    a.camera === b.camera &&
    a.connected === b.connected &&
    a.requested === b.requested &&
    a.guest === b.guest &&
    a.name === b.name
  );
}

/** `next`, or `prev` when it holds the same people in the same order. */
export function sharedPeople(prev: PersonView[], next: PersonView[]): PersonView[] {
  if (prev.length !== next.length) return next;
  for (let i = 0; i < prev.length; i++) if (!samePerson(prev[i]!, next[i]!)) return next;
  return prev;
}

/** `next`, or `prev` when it is the same person (or both are nobody). */
export function sharedPerson(prev: PersonView | null, next: PersonView | null): PersonView | null {
  if (prev === null || next === null) return next;
  return samePerson(prev, next) ? prev : next;
}

/** Only the summary's own fields of a snapshot (which carries the lists besides). */
export function summaryOf(s: SpaceSummary): SpaceSummary {
  return {
    id: s.id,
    title: s.title,
    state: s.state,
    hostId: s.hostId,
    hostHandle: s.hostHandle,
    scheduledFor: s.scheduledFor,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    recording: s.recording,
    kind: s.kind,
  };
}

export function sameSummary(a: SpaceSummary | null, b: SpaceSummary | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.id === b.id &&
    a.title === b.title &&
    a.state === b.state &&
    a.hostId === b.hostId &&
    a.hostHandle === b.hostHandle &&
    a.scheduledFor === b.scheduledFor &&
    a.startedAt === b.startedAt &&
    a.endedAt === b.endedAt &&
    a.recording === b.recording &&
    a.kind === b.kind
  );
}

/** The details of a 'state' message; `prev` itself when they did not change. */
export function detailsWith(prev: SpaceDetails, space: SpaceSnapshot): SpaceDetails {
  const summary = sameSummary(prev.summary, space) ? prev.summary : summaryOf(space);
  if (prev.joined && prev.guestComments === space.guestComments && summary === prev.summary) return prev;
  return { summary, joined: true, guestComments: space.guestComments };
}

/** The audience of a 'state' message; `prev` itself when it did not change. */
export function audienceWith(prev: AudienceView, space: SpaceSnapshot): AudienceView {
  const listeners = sharedPeople(prev.listeners, space.listeners);
  const requests = sharedPeople(prev.requests, space.requests);
  if (listeners === prev.listeners && requests === prev.requests && space.listenerCount === prev.listenerCount) return prev;
  return { listeners, requests, listenerCount: space.listenerCount };
}

/** You as the server now sees you, and what that lets you do; `prev` itself when nothing changed. */
export function meWith(prev: MeView, you: PersonView | null, invited: boolean): MeView {
  if (you === prev.you && invited === prev.invited) return prev;
  return {
    me: prev.me,
    you,
    invited,
    guest: prev.me?.guest ?? you?.guest ?? true,
    host: you?.role === 'host',
    moderator: isModerator(you?.role),
    onStage: isOnStage(you?.role),
  };
}
