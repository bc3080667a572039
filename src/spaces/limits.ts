// Stage and co-host caps, as on X Spaces. The domain takes them per Space as a parameter
// (its tests use small ones); the product runs DEFAULT_LIMITS, and no setting changes them.
export interface SpaceLimits {
  /** Co-hosts at once (the host is not counted). */
  maxCohosts: number;
  /** People on stage at once, including the host and the co-hosts. */
  maxStage: number;
}

/**
 * People one Space may block. Bans last the Space's life and are stored, and people who are
 * not here can be blocked too, so a moderator could otherwise grow them without bound.
 */
export const MAX_BANS = 10_000;

/** The most people on stage at once, host and co-hosts included (X's number). */
export const MAX_STAGE = 13;

export const DEFAULT_LIMITS: Readonly<SpaceLimits> = Object.freeze({ maxCohosts: 2, maxStage: MAX_STAGE });

/**
 * Nonsense limits are a programming or configuration error, not a user's mistake, so they
 * throw a RangeError rather than a SpaceError.
 */
export function checkLimits(limits: SpaceLimits): Readonly<SpaceLimits> {
  const { maxCohosts, maxStage } = limits;
  if (!Number.isInteger(maxCohosts) || maxCohosts < 0) {
    throw new RangeError(`maxCohosts must be a non-negative integer, got ${maxCohosts}`);
  }
  if (!Number.isInteger(maxStage) || maxStage < 1) {
    throw new RangeError(`maxStage must be a positive integer (the host needs a place), got ${maxStage}`);
  }
  return Object.freeze({ maxCohosts, maxStage });
}
