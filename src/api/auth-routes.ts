// Sign-up, sign-in and "who am I". Handles are unique regardless of case.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { SessionClaims, TokenService } from '../auth/tokens.js';
import { HandleTakenError, type UserStore } from '../store/user-store.js';
import { parseBody, HttpError } from './http-errors.js';

export const credentialsSchema = z.object({
  handle: z.string().regex(/^[A-Za-z0-9_]{3,20}$/, 'handle: 3 to 20 letters, digits or underscores'),
  password: z.string().min(8, 'password: at least 8 characters').max(200),
});

export async function authenticate(req: FastifyRequest, tokens: TokenService): Promise<SessionClaims> {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7) : null;
  const claims = token ? await tokens.verify(token) : null;
  if (!claims) throw new HttpError(401, 'unauthenticated', 'sign in first');
  return claims;
}

export function registerAuthRoutes(app: FastifyInstance, users: UserStore, tokens: TokenService): void {
  app.post('/api/auth/signup', async (req, reply) => {
    const { handle, password } = parseBody(credentialsSchema, req.body);
    const user = { id: randomUUID(), handle, passwordHash: await hashPassword(password) };
    try {
      await users.create(user);
    } catch (err) {
      if (err instanceof HandleTakenError) throw new HttpError(409, 'handle_taken', 'that handle is taken');
      throw err;
    }
    const token = await tokens.issue({ userId: user.id, handle });
    return reply.code(201).send({ token, user: { id: user.id, handle } });
  });

  app.post('/api/auth/signin', async (req) => {
    const { handle, password } = parseBody(credentialsSchema, req.body);
    const user = await users.findByHandle(handle);
    // Verify against a dummy hash when the handle is unknown, so timing does not reveal which handles exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw new HttpError(401, 'bad_credentials', 'wrong handle or password');
    const token = await tokens.issue({ userId: user.id, handle: user.handle });
    return { token, user: { id: user.id, handle: user.handle } };
  });

  app.get('/api/me', async (req) => {
    const claims = await authenticate(req, tokens);
    return { user: { id: claims.userId, handle: claims.handle } };
  });
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
