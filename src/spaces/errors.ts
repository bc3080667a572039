// Every rejected command throws a SpaceError whose code is one of the wire error codes,
// so the app layer can forward it to the client unchanged.
import type { ErrorCode } from '../protocol/messages.js';

/** The subset of wire error codes the domain can produce. */
export type SpaceErrorCode = Extract<
  ErrorCode,
  'not_permitted' | 'not_found' | 'banned' | 'stage_full' | 'cohost_limit' | 'invalid_state' | 'space_ended' | 'space_not_live' | 'unauthenticated'
>;

/**
 * A command was rejected. It is always thrown before any state change, so a caller that
 * catches it can rely on the Space being exactly as it was.
 */
export class SpaceError extends Error {
  constructor(
    readonly code: SpaceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpaceError';
  }
}

/** Shorthand so validation reads as a list of guards. */
export function reject(code: SpaceErrorCode, message: string): never {
  throw new SpaceError(code, message);
}
