// What clients are shown of a live Space: the wire snapshot (who is on stage, the first
// listeners, requests for moderators only) and each person's public view.
import { LISTENER_LIST_LIMIT, type PersonView, type SpaceSnapshot } from '../protocol/messages.js';
import type { Space } from '../spaces/index.js';
import type { Participant } from '../spaces/participant.js';

/** The Space as a client sees it; requests to speak are for moderators' eyes only. */
export function spaceSnapshot(s: Space, activeSpeaker: string | null, moderator: boolean): SpaceSnapshot {
  return {
    id: s.id,
    title: s.title,
    state: s.state,
    hostId: s.hostId,
    hostHandle: s.hostHandle,
    scheduledFor: iso(s.scheduledFor),
    startedAt: iso(s.startedAt),
    endedAt: iso(s.endedAt),
    stage: s.stage().map(personView),
    listeners: s.listeners(LISTENER_LIST_LIMIT).map(personView),
    listenerCount: s.listenerCount,
    requests: moderator ? s.requests().map(personView) : [],
    endReason: s.endReason,
    activeSpeaker,
    recording: s.recording,
    kind: s.kind,
    guestComments: s.guestComments,
  };
}

export function personView(p: Readonly<Participant>): PersonView {
  return {
    userId: p.userId,
    handle: p.handle,
    role: p.role,
    muted: p.muted,
    camera: p.camera,
    connected: p.connected,
    requested: p.requested,
    guest: p.guest,
    ...(p.guest && p.name !== undefined ? { name: p.name } : {}),
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
