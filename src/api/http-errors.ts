// HTTP error shape shared by every route: {code, message} with a fitting status.
import type { FastifyInstance } from 'fastify';
import type { ZodType } from 'zod';
import { SpaceError } from '../spaces/index.js';
import { AppError } from '../app/app-error.js';

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

const STATUS_BY_CODE: Record<string, number> = {
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
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ code: err.code, message: err.message });
    if (err instanceof SpaceError || err instanceof AppError) {
      return reply.code(STATUS_BY_CODE[err.code] ?? 400).send({ code: err.code, message: err.message });
    }
    if (err.statusCode && err.statusCode < 500) {
      const code = err.statusCode === 413 ? 'payload_too_large' : 'bad_request';
      return reply.code(err.statusCode).send({ code, message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: 'internal', message: 'internal error' });
  });
}
