// Forwarding to a Space's owner, between two real HTTP servers on loopback: the entry node
// (OwnerForwarding over a placement that says where the Space is) and an "owner" that shows
// what it received. What goes over (method, path and query, body bytes, the chosen headers,
// the mark), what comes back (status, body, the chosen headers only), and the refusals: a
// request already forwarded, a Space that runs nowhere yet, an owner that does not answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { FORWARDED_HEADER, OwnerForwarding } from '../../../src/api/owner-forwarding.js';
import type { SpaceLocation, SpacePlacement } from '../../../src/app/space-placement.js';
import type { SpaceService } from '../../../src/app/space-service.js';

describe('OwnerForwarding', () => {
  let owner: FastifyInstance;
  let entry: FastifyInstance;
  let ownerUrl = '';
  let where: SpaceLocation = { at: 'none' };
  let state: 'live' | 'ended' = 'live';
  const secret = 'a shared secret of the cluster';

  before(async () => {
    owner = Fastify();
    const ownerForwarding = new OwnerForwarding(
      fakeSpaces(() => ({ at: 'here' })),
      secret,
    );
    owner.addContentTypeParser('application/sdp', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    owner.all('/echo/*', async (req, reply) =>
      reply
        .code(201)
        .header('location', '/whep/sessions/x')
        .header('etag', '"e1"')
        .header('x-internal', 'not passed back')
        .header('access-control-expose-headers', 'Location')
        .send({ method: req.method, url: req.url, body: req.body ?? null, headers: req.headers, fromPeer: ownerForwarding.fromPeer(req) }),
    );
    owner.get('/slow/*', () => new Promise(() => undefined));
    ownerUrl = await owner.listen({ port: 0, host: '127.0.0.1' });

    entry = Fastify();
    entry.addContentTypeParser('application/sdp', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const forwarding = new OwnerForwarding(
      fakeSpaces(() => where),
      secret,
      { timeoutMs: 500 },
    );
    entry.all('/*', async (req, reply) => {
      if (await forwarding.handled(req, reply, 's1', 'unavailable')) return reply;
      return reply.code(299).send({ servedHere: true });
    });
    await entry.ready();

    function fakeSpaces(locate: () => SpaceLocation): Pick<SpaceService, 'placement' | 'liveSpace' | 'get'> {
      const placement = { clustered: true, locate: async () => locate() } as unknown as SpacePlacement;
      return {
        placement,
        liveSpace: () => undefined,
        get: async () => ({ state }) as unknown as Awaited<ReturnType<SpaceService['get']>>,
      };
    }
  });

  after(async () => {
    await entry?.close();
    await owner?.close();
  });

  it('sends the request to the owner and passes back its status, body and the chosen headers', async () => {
    where = { at: 'node', nodeId: 'n2', url: ownerUrl };
    const res = await entry.inject({
      method: 'POST',
      url: '/echo/whep/s1?x=1',
      headers: { 'content-type': 'application/sdp', authorization: 'Bearer k', cookie: 'not forwarded', 'if-match': '"e0"' },
      payload: 'v=0\r\n',
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers.location, '/whep/sessions/x');
    assert.equal(res.headers.etag, '"e1"');
    assert.equal(res.headers['access-control-expose-headers'], 'Location');
    assert.equal(res.headers['x-internal'], undefined);
    const seen = res.json() as { method: string; url: string; body: string; headers: Record<string, string>; fromPeer: boolean };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/echo/whep/s1?x=1');
    assert.equal(seen.body, 'v=0\r\n');
    assert.equal(seen.headers.authorization, 'Bearer k');
    assert.equal(seen.headers['if-match'], '"e0"');
    assert.equal(seen.headers.cookie, undefined);
    assert.ok(seen.headers[FORWARDED_HEADER], 'marked as forwarded');
    assert.equal(seen.fromPeer, true, 'the owner recognises the mark of a node with the same secret');
  });

  it('a JSON body goes over as JSON', async () => {
    where = { at: 'node', nodeId: 'n2', url: ownerUrl };
    const res = await entry.inject({ method: 'POST', url: '/echo/recording', payload: { on: true } });
    assert.deepEqual((res.json() as { body: unknown }).body, { on: true });
  });

  it('refuses a request that was already forwarded, whatever the mark (no loop between nodes)', async () => {
    where = { at: 'node', nodeId: 'n2', url: ownerUrl };
    const res = await entry.inject({ method: 'GET', url: '/echo/hls', headers: { [FORWARDED_HEADER]: '1' } });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal((res.json() as { code: string }).code, 'unavailable');
  });

  it('a live Space that runs nowhere yet: 503 with Retry-After; one that is not live: served here (its 404)', async () => {
    where = { at: 'none' };
    state = 'live';
    const live = await entry.inject({ method: 'GET', url: '/echo/hls' });
    assert.equal(live.statusCode, 503);
    assert.equal(live.headers['retry-after'], '1');
    state = 'ended';
    const ended = await entry.inject({ method: 'GET', url: '/echo/hls' });
    assert.equal(ended.statusCode, 299);
  });

  it('an owner that does not answer in time: 504, with Retry-After', async () => {
    where = { at: 'node', nodeId: 'n2', url: ownerUrl };
    const res = await entry.inject({ method: 'GET', url: '/slow/hls' });
    assert.equal(res.statusCode, 504);
    assert.equal(res.headers['retry-after'], '1');
  });

  it('an owner that cannot be reached: 503', async () => {
    const gone = Fastify();
    const url = await gone.listen({ port: 0, host: '127.0.0.1' });
    await gone.close();
    where = { at: 'node', nodeId: 'n3', url };
    const res = await entry.inject({ method: 'GET', url: '/echo/hls' });
    assert.equal(res.statusCode, 503);
  });
});
