// Sign-up, sign-in, "who am I" and "sign out everywhere". Handles are unique regardless of
// case. Guessing is slowed twice over: each address has a number of sign-ins per minute
// (@fastify/rate-limit), and each handle waits longer after every failure beyond a few
// (SignInThrottle), however many addresses try it. Sign-ups are limited per address.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { SessionClaims, TokenService } from '../auth/tokens.js';
import { SignInThrottle } from '../auth/sign-in-throttle.js';
import { HandleTakenError, type UserStore } from '../store/user-store.js';
import type { AbuseLimits } from '../config.js';
import { parseBody, HttpError } from './http-errors.js';

export const credentialsSchema = z.object({
  handle: z.string().regex(/^[A-Za-z0-9_]{3,20}$/, 'handle: 3 to 20 letters, digits or underscores'),
  password: z.string().min(8, 'password: at least 8 characters').max(200),
});

/** The first wait of a handle past its free failures; it doubles with each further failure. */
const FIRST_WAIT_MS = 1000;

export async function authenticate(req: FastifyRequest, tokens: TokenService): Promise<SessionClaims> {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7) : null;
  const claims = token ? await tokens.verify(token) : null;
  if (!claims) throw new HttpError('unauthenticated', 'sign in first');
  return claims;
}

export function registerAuthRoutes(
  app: FastifyInstance,
  deps: { users: UserStore; tokens: TokenService; limits: AbuseLimits; signedOut: (userId: string) => void },
): void {
  const { users, tokens, limits } = deps;
  const throttle = new SignInThrottle({
    freeFailures: limits.signInFreeFailures,
    firstWaitMs: FIRST_WAIT_MS,
    maxWaitMs: limits.signInMaxWaitSeconds * 1000,
  });

  app.post('/api/auth/signup', { config: { rateLimit: { max: limits.signUpsPerHour, timeWindow: '1 hour' } } }, async (req, reply) => {
    const { handle, password } = parseBody(credentialsSchema, req.body);
    const user = { id: randomUUID(), handle, passwordHash: await hashPassword(password) };
    try {
      await users.create(user);
    } catch (err) {
      if (err instanceof HandleTakenError) throw new HttpError('handle_taken', 'that handle is taken');
      throw err;
    }
    const token = await tokens.issue({ userId: user.id, handle, tokenVersion: 0 });
    return reply.code(201).send({ token, user: { id: user.id, handle } });
  });

  app.post('/api/auth/signin', { config: { rateLimit: { max: limits.signInPerMinute, timeWindow: '1 minute' } } }, async (req, reply) => {
    const { handle, password } = parseBody(credentialsSchema, req.body);
    const wait = throttle.waitMs(handle, Date.now());
    if (wait > 0) {
      void reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new HttpError('rate_limited', 'too many failed sign-ins for this handle; wait a moment');
    }
    const user = await users.findByHandle(handle);
    // Verify against a dummy hash when the handle is unknown, so timing does not reveal which handles exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      throttle.failed(handle, Date.now());
      throw new HttpError('bad_credentials', 'wrong handle or password');
    }
    throttle.succeeded(handle);
    const token = await tokens.issue({ userId: user.id, handle: user.handle, tokenVersion: user.tokenVersion });
    return { token, user: { id: user.id, handle: user.handle } };
  });

  app.get('/api/me', async (req) => {
    const claims = await authenticate(req, tokens);
    return { user: { id: claims.userId, handle: claims.handle } };
  });

  /** Sign out everywhere: every token of this account stops working, and its open connections close. */
  app.post('/api/auth/signout-all', async (req, reply) => {
    const claims = await authenticate(req, tokens);
    await tokens.revokeAll(claims.userId);
    deps.signedOut(claims.userId);
    return reply.code(204).send();
  });
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
