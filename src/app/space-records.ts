// A Space's forms: the domain object, the stored record, and what the directory shows of it.
// Pure conversions, shared by the directory (SpaceService) and its listings (SpaceListing).
import { randomBytes } from 'node:crypto';
import { Space } from '../spaces/index.js';
import type { MemberRecord, SpaceRecord } from '../store/space-store.js';
import type { SpaceSummary } from '../protocol/messages.js';
import type { LiveSpace } from './live-space.js';

export interface SpaceListItem extends SpaceSummary {
  stage: Array<{ userId: string; handle: string; role: string }>;
  listenerCount: number;
}

/** The domain Space from its stored record, bans and live members. */
export function spaceFromRecord(record: SpaceRecord, banned: string[], members: MemberRecord[]): Space {
  return new Space({
    id: record.id,
    title: record.title,
    hostId: record.hostId,
    hostHandle: record.hostHandle,
    state: record.state,
    scheduledFor: record.scheduledFor,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    endReason: record.endReason,
    banned,
    recording: record.recording,
    kind: record.kind,
    guestComments: record.guestComments,
    members,
  });
}

export function toRecord(space: Space): SpaceRecord {
  return {
    id: space.id,
    title: space.title,
    hostId: space.hostId,
    hostHandle: space.hostHandle,
    state: space.state,
    scheduledFor: space.scheduledFor,
    startedAt: space.startedAt,
    endedAt: space.endedAt,
    endReason: space.endReason,
    recording: space.recording,
    kind: space.kind,
    guestComments: space.guestComments,
  };
}

export function summary(r: SpaceRecord): SpaceSummary {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    title: r.title,
    state: r.state,
    hostId: r.hostId,
    hostHandle: r.hostHandle,
    scheduledFor: iso(r.scheduledFor),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
    recording: r.recording,
    kind: r.kind,
  };
}

export function listItem(live: LiveSpace): SpaceListItem {
  const s = live.space;
  return {
    ...summary(toRecord(s)),
    stage: s.stage().map((p) => ({ userId: p.userId, handle: p.handle, role: p.role })),
    listenerCount: s.listenerCount,
  };
}

/** Short, URL-safe, unguessable. */
export function newSpaceId(): string {
  return randomBytes(9).toString('base64url');
}
