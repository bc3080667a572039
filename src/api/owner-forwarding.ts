// In a cluster a live Space runs on one node, its owner, and only the owner holds what the
// HTTP routes of a live Space need: its live HLS, its WHIP/WHEP sessions, its state for
// actions. Any node may receive such a request (a load balancer picks one), so a node that
// does not run the Space sends the request on to the owner and passes its answer back, the
// way a client would have got it there. One hop at most: a forwarded request carries
// FORWARDED_HEADER, and a node that gets one for a Space it does not run answers 503 (the
// owner moved meanwhile; the client tries again) rather than forwarding it again, so two
// nodes whose views of the cluster disagree can never bounce a request between them.
// The header's value is a MAC under the cluster's shared secret, so the owner can tell a
// request a node vouches for (admitted there under the client's own per-address limits) from
// a client that merely sets the header.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SpaceService } from '../app/space-service.js';
import { sendError } from './http-errors.js';

export const FORWARDED_HEADER = 'x-spaces-forwarded';

const REQUEST_HEADERS = ['authorization', 'content-type', 'if-match', 'accept', 'range'] as const;
const RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'location',
  'etag',
  'link',
  'accept-patch',
  'accept-post',
  'retry-after',
  'www-authenticate',
  'content-range',
] as const;
const DEFAULT_TIMEOUT_MS = 10_000;
/** The largest answer passed back: a segment of the top video rendition is a few MB at most. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** What to do when the live Space runs on no node right now. */
export type WhenNowhere =
  /** Serve it here (the route may bring the Space up on this node, as a join does). */
  | 'here'
  /** 503 with Retry-After: a sweep gives it an owner within a lease or so. */
  | 'unavailable';

export class OwnerForwarding {
  private readonly timeoutMs: number;
  private readonly mark: string;

  constructor(
    private readonly spaces: Pick<SpaceService, 'placement' | 'liveSpace' | 'get'>,
    secret: string,
    opts: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.mark = createHmac('sha256', secret).update('spaces owner forwarding').digest('base64url');
  }

  /** Whether another node of the cluster forwarded this request (it checked the client's limits). */
  fromPeer(req: FastifyRequest): boolean {
    const value = req.headers[FORWARDED_HEADER];
    if (typeof value !== 'string') return false;
    const a = Buffer.from(value);
    const b = Buffer.from(this.mark);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Handles the request for `spaceId` elsewhere if it must be: true when the reply was sent
   * (the owner's answer, or a refusal), false when this node should serve it. Cheap on the
   * owner and on a single node (no lookup); elsewhere one Redis lookup per request.
   */
  async handled(req: FastifyRequest, reply: FastifyReply, spaceId: string, whenNowhere: WhenNowhere): Promise<boolean> {
    if (!this.spaces.placement.clustered || this.spaces.liveSpace(spaceId)) return false;
    const where = await this.spaces.placement.locate(spaceId);
    if (where.at === 'here') return false;
    if (where.at === 'none') {
      if (whenNowhere === 'here') return false;
      // Only a live Space is worth waiting for; anything else is the route's own answer (a 404).
      if ((await this.spaces.get(spaceId))?.state !== 'live') return false;
      sendError(reply, 'unavailable', 'this Space is moving to another server; try again', { 'retry-after': '1' });
      return true;
    }
    if (req.headers[FORWARDED_HEADER] !== undefined || !where.url) {
      sendError(reply, 'unavailable', 'this Space is moving to another server; try again', { 'retry-after': '1' });
      return true;
    }
    await this.forward(req, reply, where.url);
    return true;
  }

  private async forward(req: FastifyRequest, reply: FastifyReply, ownerUrl: string): Promise<void> {
    const headers: Record<string, string> = { [FORWARDED_HEADER]: this.mark };
    for (const name of REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const body = requestBody(req);
    let res: Response;
    let payload: Buffer;
    try {
      const signal = AbortSignal.timeout(this.timeoutMs);
      res = await fetch(new URL(req.url, ownerUrl), {
        method: req.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal,
      });
      payload = await readBounded(res, MAX_RESPONSE_BYTES);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      req.log.warn({ err, owner: ownerUrl }, 'forwarding to the owner of the Space failed');
      void reply.code(timedOut ? 504 : 503).header('retry-after', '1');
      void reply.send({ code: 'unavailable', message: 'the server running this Space did not answer; try again' });
      return;
    }
    void reply.code(res.status);
    for (const name of RESPONSE_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) void reply.header(name, value);
    }
    for (const [name, value] of res.headers) if (name.startsWith('access-control-')) void reply.header(name, value);
    void reply.send(payload);
  }
}

/** The request body as the route's parser left it, back as bytes (the owner parses it again). */
function requestBody(req: FastifyRequest): string | Uint8Array<ArrayBuffer> | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  const body: unknown = req.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return new Uint8Array(body);
  return JSON.stringify(body);
}

async function readBounded(res: Response, limit: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the owner's answer is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
