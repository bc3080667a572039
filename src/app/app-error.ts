// Errors the application layer raises itself (as opposed to the domain's SpaceError).
import type { ErrorCode } from '../protocol/messages.js';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For 'rate_limited' and 'unavailable': when trying again makes sense (HTTP's Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
