// REST for the directory of Spaces: list, create (now or scheduled), look up, add to a calendar, start.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SpaceService } from '../app/space-service.js';
import { MAX_COMMENT_PAGE, parseCursor, type ChatService } from '../app/chat.js';
import type { TokenService } from '../auth/tokens.js';
import { authenticate } from './auth-routes.js';
import { titleText } from '../protocol/messages.js';
import { HttpError, parseBody } from './http-errors.js';
import type { OwnerForwarding } from './owner-forwarding.js';
import { calendarFileName, spaceCalendar } from './calendar.js';

const createSchema = z.object({
  title: titleText,
  scheduledFor: z.string().datetime({ offset: true }).optional(),
  /** "Record Space" from the start. */
  record: z.boolean().optional(),
  /** 'broadcast' for "Go live": the host streams video to the audience. */
  kind: z.enum(['space', 'broadcast']).optional(),
});
const recordingSchema = z.object({ on: z.boolean() });
const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const commentQuerySchema = z.object({
  before: z
    .string()
    .max(100)
    .refine((b) => parseCursor(b) !== null, 'before: a nextBefore from an earlier page, or an ISO time')
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_COMMENT_PAGE).optional(),
});

export function registerSpaceRoutes(app: FastifyInstance, spaces: SpaceService, tokens: TokenService, chat: ChatService, forwarding: OwnerForwarding): void {
  app.get('/api/spaces', async () => spaces.list());

  app.post('/api/spaces', async (req, reply) => {
    const claims = await authenticate(req, tokens);
    const body = parseBody(createSchema, req.body);
    const scheduledFor = body.scheduledFor ? Date.parse(body.scheduledFor) : null;
    const created = await spaces.create({ userId: claims.userId, handle: claims.handle }, body.title, scheduledFor, body.record ?? false, body.kind ?? 'space');
    return reply.code(201).send(created);
  });

  app.get<{ Params: { id: string } }>('/api/spaces/:id', async (req) => {
    const id = parseBody(idSchema, req.params.id);
    const space = await spaces.get(id);
    if (!space) throw new HttpError('space_not_found', 'no such Space');
    return space;
  });

  /**
   * The host turns "Record Space" on or off (before the Space or during it). During it, the
   * change is an action of the live Space, which only its owner may take.
   */
  app.post<{ Params: { id: string } }>('/api/spaces/:id/recording', async (req, reply) => {
    const claims = await authenticate(req, tokens);
    const id = parseBody(idSchema, req.params.id);
    const body = parseBody(recordingSchema, req.body);
    if (await forwarding.handled(req, reply, id, 'unavailable')) return reply;
    return spaces.setRecording(id, claims.userId, body.on);
  });

  /** The Space's recording: its state, its VOD playlist and the speaker timeline. */
  app.get<{ Params: { id: string } }>('/api/spaces/:id/recording', async (req) => {
    const id = parseBody(idSchema, req.params.id);
    const view = await spaces.recordings.view(id);
    if (!view) throw new HttpError('not_found', 'this Space has no recording');
    return view;
  });

  /** A Space's comments (live or ended), oldest first: the newest page, or the one before `before`. */
  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>('/api/spaces/:id/comments', async (req) => {
    const id = parseBody(idSchema, req.params.id);
    const query = parseBody(commentQuerySchema, req.query);
    if (!(await spaces.get(id))) throw new HttpError('space_not_found', 'no such Space');
    return chat.page(id, query);
  });

  /** "Add to calendar": a scheduled Space as an .ics event; a live or ended one has nothing to add. */
  app.get<{ Params: { id: string } }>('/api/spaces/:id/calendar.ics', async (req, reply) => {
    const id = parseBody(idSchema, req.params.id);
    const space = await spaces.get(id);
    if (!space) throw new HttpError('space_not_found', 'no such Space');
    if (space.state === 'ended') throw new HttpError('space_ended', 'this Space has ended');
    if (space.state !== 'scheduled' || !space.scheduledFor) throw new HttpError('invalid_state', 'this Space is live now: join it instead');
    // The link goes back to the server the file came from (the request's own origin).
    const url = `${req.protocol}://${req.host}/s/${encodeURIComponent(id)}`;
    const body = spaceCalendar({ id, title: space.title, hostHandle: space.hostHandle, start: Date.parse(space.scheduledFor), url }, Date.now());
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="${calendarFileName(space.title)}"`)
      .header('cache-control', 'no-cache')
      .send(body);
  });

  app.post<{ Params: { id: string } }>('/api/spaces/:id/start', async (req) => {
    const claims = await authenticate(req, tokens);
    const id = parseBody(idSchema, req.params.id);
    return spaces.start(id, claims.userId);
  });
}
