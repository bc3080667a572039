// Public API of the Spaces domain. Roster and the action handlers stay internal: everything
// goes through Space so its validate-then-mutate contract cannot be bypassed.
export { Space } from './space.js';
export type { SpaceInit, SpaceKind, SpaceState } from './space-init.js';
export { SpaceError, type SpaceErrorCode } from './errors.js';
export type { SpaceEvent, SpaceEventKind, EndReason } from './events.js';
export type { Participant, Person } from './participant.js';
export { DEFAULT_LIMITS, type SpaceLimits } from './limits.js';
export { REMEMBERED_COMMENTS } from './comments.js';
export { canDeleteComment, canModerate, canMute, isHostOnly, isModerator, isModeratorOnly, isOnStage, roleMayAttempt } from './permissions.js';
