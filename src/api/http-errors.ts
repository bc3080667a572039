// HTTP error shape shared by every route: {code, message} with a fitting status.
import type { FastifyInstance } from 'fastify';
import type { ZodType } from 'zod';
import { SpaceError } from '../spaces/index.js';
import { AppError } from '../app/app-error.js';
import type { ErrorCode } from '../protocol/messages.js';
import { MediaUnavailableError } from '../media/room/room-handle.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HttpError(400, 'bad_request', issue ? issue.message : 'invalid request body');
  }
  return result.data;
}

/** Every error code the domain and the app raise, as an HTTP status (a new code must be given one). */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_json: 400,
  bad_message: 400,
  message_too_large: 413,
  rate_limited: 429,
  not_joined: 409,
  already_joined: 409,
  not_permitted: 403,
  banned: 403,
  unauthenticated: 401,
  not_found: 404,
  space_not_found: 404,
  space_ended: 409,
  space_not_live: 409,
  invalid_state: 409,
  stage_full: 409,
  cohost_limit: 409,
  invalid_sdp: 400,
  unavailable: 503,
  internal: 500,
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ code: err.code, message: err.message });
    if (err instanceof MediaUnavailableError) {
      return reply.code(503).header('retry-after', '1').send({ code: 'unavailable', message: err.message });
    }
    if (err instanceof SpaceError || err instanceof AppError) {
      const retryAfter = err instanceof AppError ? err.retryAfterSeconds : undefined;
      if (retryAfter !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
      else if (err.code === 'unavailable') void reply.header('retry-after', '1');
      return reply.code(STATUS_BY_CODE[err.code]).send({ code: err.code, message: err.message });
    }
    if (err.statusCode && err.statusCode < 500) {
      const code = err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 429 ? 'rate_limited' : 'bad_request';
      return reply.code(err.statusCode).send({ code, message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 'internal', message: 'internal error' });
  });
}
