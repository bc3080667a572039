// The HTTP error shape shared by every route, {code, message}, and the one map from an error
// code to its HTTP status. The map is typed over every code there is (the wire's ErrorCode, which
// the domain, the app and the WebSocket path use, and the few only HTTP routes answer with), so
// adding a code without giving it a status does not compile.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodType } from 'zod';
import { SpaceError } from '../spaces/index.js';
import { AppError } from '../app/app-error.js';
import type { ErrorCode } from '../protocol/messages.js';
import { MediaUnavailableError } from '../media/room/room-handle.js';
import { SpaceElsewhereError } from '../app/space-placement.js';

/** Codes only HTTP routes answer with (sign-up, sign-in, WHIP/WHEP, malformed requests). */
type HttpOnlyCode =
  | 'bad_request'
  | 'payload_too_large'
  | 'handle_taken'
  | 'bad_credentials'
  | 'unsupported_media'
  | 'unsupported_media_type'
  | 'precondition_failed'
  | 'not_implemented';

export type HttpErrorCode = ErrorCode | HttpOnlyCode;

/** Every error code there is, as an HTTP status. */
export const STATUS_BY_CODE: Readonly<Record<HttpErrorCode, number>> = {
  bad_json: 400,
  bad_message: 400,
  bad_request: 400,
  invalid_sdp: 400,
  unauthenticated: 401,
  bad_credentials: 401,
  not_permitted: 403,
  banned: 403,
  not_found: 404,
  space_not_found: 404,
  unsupported_media: 406,
  not_joined: 409,
  already_joined: 409,
  space_ended: 409,
  space_not_live: 409,
  invalid_state: 409,
  stage_full: 409,
  cohost_limit: 409,
  handle_taken: 409,
  precondition_failed: 412,
  message_too_large: 413,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
};

/** A refusal a route throws; its status is the code's. */
export class HttpError extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

/** Sends the error reply for `code` (for routes that answer rather than throw). */
export function sendError(reply: FastifyReply, code: HttpErrorCode, message: string, headers: Readonly<Record<string, string>> = {}): FastifyReply {
  for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
  return reply.code(STATUS_BY_CODE[code]).send({ code, message });
}

export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HttpError('bad_request', issue ? issue.message : 'invalid request body');
  }
  return result.data;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof HttpError) return sendError(reply, err.code, err.message, err.headers);
    if (err instanceof MediaUnavailableError) return sendError(reply, 'unavailable', err.message, { 'retry-after': '1' });
    // Another node took the Space between the route's look and its act: the retry is forwarded there.
    if (err instanceof SpaceElsewhereError) return sendError(reply, 'unavailable', 'this Space is moving to another server; try again', { 'retry-after': '1' });
    if (err instanceof SpaceError || err instanceof AppError) {
      const retryAfter = err instanceof AppError ? err.retryAfterSeconds : undefined;
      if (retryAfter !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
      else if (err.code === 'unavailable') void reply.header('retry-after', '1');
      return sendError(reply, err.code, err.message);
    }
    if (err.statusCode && err.statusCode < 500) {
      // Fastify's own refusals (a body too large, a malformed one, its rate limit) keep their status.
      const code: HttpErrorCode = err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 429 ? 'rate_limited' : 'bad_request';
      return reply.code(err.statusCode).send({ code, message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return sendError(reply, 'internal', 'internal error');
  });
}
