// Rows for store tests and benches: a live member and a change, with the fields a test does
// not care about filled in plainly.
import type { MemberRecord, SpaceChange } from '../../src/store/space-store.js';

/** A speaker on stage, unmuted, camera off; `over` sets what the test is about. */
export const memberRecord = (userId: string, over: Partial<MemberRecord> = {}): MemberRecord => ({
  userId,
  handle: userId,
  guest: false,
  role: 'speaker',
  muted: false,
  camera: false,
  requested: false,
  invited: false,
  stageSeq: 2,
  requestSeq: 0,
  joinSeq: 1,
  cohostSeq: 0,
  ...over,
});

/** A change of the Space that touches nothing; `over` sets what it writes. */
export const spaceChange = (spaceId: string, over: Partial<SpaceChange> = {}): SpaceChange => ({
  spaceId,
  space: null,
  upsert: [],
  remove: [],
  bans: [],
  clearMembers: false,
  ...over,
});
