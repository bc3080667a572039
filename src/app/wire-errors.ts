// Anything thrown while handling a client message, as the error code and message the client
// gets: the domain's and the app's own codes pass through; anything unexpected is 'internal'
// (its details stay in the log).
import type { ErrorCode } from '../protocol/messages.js';
import { SpaceError } from '../spaces/index.js';
import { InvalidSdpError } from '../media/transport/sdp.js';
import { MediaUnavailableError } from '../media/room/room-handle.js';
import { AppError } from './app-error.js';

export function toWireError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof SpaceError || err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof InvalidSdpError) return { code: 'invalid_sdp', message: err.message };
  if (err instanceof MediaUnavailableError) return { code: 'unavailable', message: err.message };
  return { code: 'internal', message: 'internal error' };
}
