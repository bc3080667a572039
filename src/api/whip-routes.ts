// WHIP (RFC 9725) ingest and WHEP playback over HTTP. A POST carries the client's SDP offer
// and gets our answer with a Location for the session; PATCH trickles ICE candidates
// (application/trickle-ice-sdpfrag); DELETE ends it. WHIP needs a stream key as bearer token;
// WHEP is open like listening is. Errors follow the RFC: 400 malformed SDP, 401 bad or rotated
// key, 404 unknown Space or session, 406 nothing we can decode or send, 412 stale ETag,
// 415 wrong content type, 501 ICE restart (not supported: the client starts a new session).
// A thin adapter: the sessions, their limits and their owner are the app layer's (MediaSessions).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { MediaSessions } from '../app/media-sessions.js';
import { sessionSpaceId, type MediaSession } from '../app/media-session.js';
import type { StreamKeys } from '../app/stream-keys.js';
import type { TokenService } from '../auth/tokens.js';
import type { IceServerConfig } from '../protocol/messages.js';
import { InvalidSdpError } from '../media/transport/sdp.js';
import { readSdpFragment, UnsupportedOfferError } from '../media/transport/client-offer.js';
import { authenticate } from './auth-routes.js';
import { parseBody, sendError } from './http-errors.js';
import type { OwnerForwarding } from './owner-forwarding.js';

const SDP = 'application/sdp';
const SDP_FRAG = 'application/trickle-ice-sdpfrag';
const SPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const issueSchema = z.object({ userId: z.string().min(1).max(64).optional() });

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** ICE servers as RFC 9725 §4.6 Link headers, so encoders can use our TURN servers too. */
function iceLinks(servers: IceServerConfig[]): string[] {
  const links: string[] = [];
  for (const s of servers) {
    for (const url of s.urls) {
      let link = `<${url}>; rel="ice-server"`;
      if (s.username) link += `; username="${s.username}"; credential="${s.credential ?? ''}"; credential-type="password"`;
      links.push(link);
    }
  }
  return links;
}

function mediaError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof InvalidSdpError) return sendError(reply, 'invalid_sdp', err.message);
  if (err instanceof UnsupportedOfferError) return sendError(reply, 'unsupported_media', err.message);
  throw err; // domain and app errors are mapped by the shared error handler
}

export function registerWhipRoutes(
  app: FastifyInstance,
  deps: { sessions: MediaSessions; keys: StreamKeys; tokens: TokenService; iceServers: IceServerConfig[]; forwarding: OwnerForwarding },
): void {
  const { sessions, keys, forwarding } = deps;

  app.addContentTypeParser([SDP, SDP_FRAG], { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

  // The content type is checked before any body parser runs (a JSON body must not become a 400).
  app.addHook('onRequest', async (req, reply) => {
    if (!/^\/(whip|whep)\//.test(req.url) || (req.method !== 'POST' && req.method !== 'PATCH')) return;
    // A request another node forwarded was admitted there, under the client's own address.
    if (req.method === 'POST' && !forwarding.fromPeer(req) && !sessions.admit(req.ip))
      return sendError(reply, 'rate_limited', 'too many new sessions from this address', { 'retry-after': '1' });
    const want = req.method === 'POST' ? SDP : SDP_FRAG;
    if (req.headers['content-type']?.split(';')[0]?.trim() !== want) {
      return sendError(reply, 'unsupported_media_type', `send the ${req.method === 'POST' ? 'offer' : 'candidates'} as ${want}`);
    }
  });

  // CORS: WHIP and WHEP clients are often web pages on other origins.
  app.addHook('onSend', async (req, reply) => {
    if (!req.url.startsWith('/whip') && !req.url.startsWith('/whep')) return;
    void reply.header('access-control-allow-origin', '*');
    void reply.header('access-control-expose-headers', 'Location, ETag, Link, Accept-Patch, Accept-Post');
  });
  for (const path of ['/whip/:space', '/whep/:space', '/whip/sessions/:id', '/whep/sessions/:id']) {
    app.options(path, async (_req, reply) =>
      reply
        .code(204)
        .header('accept-post', SDP)
        .header('accept-patch', SDP_FRAG)
        .header('access-control-allow-methods', 'POST, PATCH, DELETE, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, If-Match')
        .send(),
    );
  }

  function answer(reply: FastifyReply, session: MediaSession, sdp: string): FastifyReply {
    const links = iceLinks(deps.iceServers);
    if (links.length > 0) void reply.header('link', links.join(', '));
    return reply
      .code(201)
      .type(SDP)
      .header('location', `/${session.kind}/sessions/${session.id}`)
      .header('etag', session.etag)
      .header('accept-patch', SDP_FRAG)
      .send(sdp);
  }

  app.post<{ Params: { space: string } }>('/whip/:space', async (req, reply) => {
    const key = bearer(req);
    const publisher = key && SPACE_ID.test(req.params.space) ? await keys.resolve(req.params.space, key) : undefined;
    if (!publisher || !key) return sendError(reply, 'unauthenticated', 'a valid stream key is required', { 'www-authenticate': 'Bearer' });
    // A Space nobody runs comes up here, as it does for a join.
    if (await forwarding.handled(req, reply, publisher.spaceId, 'here')) return reply;
    try {
      const person = { userId: publisher.userId, handle: publisher.handle, guest: false };
      const started = await sessions.startIngest(publisher.spaceId, person, key, String(req.body ?? ''));
      return answer(reply, started.session, started.answer);
    } catch (err) {
      return mediaError(reply, err);
    }
  });

  app.post<{ Params: { space: string } }>('/whep/:space', async (req, reply) => {
    if (!SPACE_ID.test(req.params.space)) return sendError(reply, 'space_not_found', 'no such Space');
    if (await forwarding.handled(req, reply, req.params.space, 'here')) return reply;
    try {
      const started = await sessions.startPlayback(req.params.space, String(req.body ?? ''));
      return answer(reply, started.session, started.answer);
    } catch (err) {
      return mediaError(reply, err);
    }
  });

  /**
   * The session behind a resource URL, if the request may act on it (else the reply is sent).
   * Location is relative, so a client sends PATCH and DELETE to the node it started on, which
   * need not run the Space: the session id names its Space, whose owner gets the request.
   */
  async function sessionFor(kind: 'whip' | 'whep', req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<MediaSession | null> {
    const session = sessions.get(req.params.id);
    const spaceId = session ? null : sessionSpaceId(req.params.id);
    if (spaceId !== null && SPACE_ID.test(spaceId) && (await forwarding.handled(req, reply, spaceId, 'unavailable'))) return null;
    if (!session || session.kind !== kind) return (sendError(reply, 'not_found', 'no such session'), null);
    if (session.key !== null) {
      const key = bearer(req);
      if (!key || !sameKey(key, session.key))
        return (sendError(reply, 'unauthenticated', 'the stream key of this session is required', { 'www-authenticate': 'Bearer' }), null);
    }
    return session;
  }

  for (const kind of ['whip', 'whep'] as const) {
    app.patch<{ Params: { id: string } }>(`/${kind}/sessions/:id`, async (req, reply) => {
      const session = await sessionFor(kind, req, reply);
      if (!session) return reply;
      const ifMatch = req.headers['if-match'];
      if (ifMatch === '*') return sendError(reply, 'not_implemented', 'ICE restarts are not supported: start a new session');
      if (ifMatch !== undefined && ifMatch !== session.etag) return sendError(reply, 'precondition_failed', 'the session changed');
      let frag: ReturnType<typeof readSdpFragment>;
      try {
        frag = readSdpFragment(String(req.body ?? ''));
      } catch (err) {
        return sendError(reply, 'invalid_sdp', (err as Error).message);
      }
      if (!sessions.addCandidates(session, frag.candidates)) return sendError(reply, 'not_found', 'the Space has ended');
      return reply.code(204).send();
    });

    app.delete<{ Params: { id: string } }>(`/${kind}/sessions/:id`, async (req, reply) => {
      const session = await sessionFor(kind, req, reply);
      if (!session) return reply;
      await sessions.end(session);
      return reply.code(200).send();
    });
  }

  // Stream keys: the host issues (or rotates) one for themselves or for a speaker.
  app.post<{ Params: { id: string } }>('/api/spaces/:id/stream-keys', async (req) => {
    const claims = await authenticate(req, deps.tokens);
    const body = parseBody(issueSchema, req.body);
    const issued = await keys.issue(req.params.id, claims.userId, body.userId);
    return { ...issued, whipUrl: `/whip/${req.params.id}` };
  });

  app.delete<{ Params: { id: string; userId: string } }>('/api/spaces/:id/stream-keys/:userId', async (req, reply) => {
    const claims = await authenticate(req, deps.tokens);
    await keys.revoke(req.params.id, claims.userId, req.params.userId);
    return reply.code(204).send();
  });
}
