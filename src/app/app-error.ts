// Errors the application layer raises itself (as opposed to the domain's SpaceError).
import type { ErrorCode } from '../protocol/messages.js';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
