// The REST API of a real server (SQLite in a temp dir, random ports): accounts, validation
// and error shapes, Spaces and their scheduling, metrics and health.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestServer } from '../helpers/server.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { RunningServer } from '../../src/server.js';
import type { AuthResult, SpaceList, SpaceListItem } from '../../src/sdk/api.js';
import type { SpaceSummary } from '../../src/protocol/messages.js';

let server: RunningServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.close();
});

interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  contentType: string;
  text: string;
}

/** One request; `body` is sent as JSON unless `raw` gives the exact bytes and content type. */
async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; raw?: { contentType?: string; data: string }; authorization?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (opts.raw) {
    if (opts.raw.contentType) headers['content-type'] = opts.raw.contentType;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.authorization) headers.authorization = opts.authorization;
  const res = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const parsed = contentType.includes('application/json') && text ? (JSON.parse(text) as T) : (undefined as T);
  return { status: res.status, body: parsed, contentType, text };
}

/** Asserts the shared error shape: the status and {code, message}. */
function assertError(reply: Reply, status: number, code?: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(typeof reply.body?.code, 'string', reply.text);
  assert.equal(typeof reply.body?.message, 'string', reply.text);
  assert.ok((reply.body.message as string).length > 0);
  if (code) assert.equal(reply.body.code, code, reply.text);
}

const PASSWORD = 'password123';
const newHandle = (prefix = 'u') => `${prefix}_${randomBytes(4).toString('hex')}`;

async function signUp(handle = newHandle()): Promise<AuthResult> {
  const r = await call<AuthResult>('POST', '/api/auth/signup', { body: { handle, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

describe('accounts', () => {
  const handle = newHandle('Ada');
  let first: AuthResult;

  it('sign-up creates an account: 201 with a token and the user', async () => {
    const r = await call<AuthResult>('POST', '/api/auth/signup', { body: { handle, password: PASSWORD } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.user.handle, handle);
    assert.match(r.body.user.id, /^[0-9a-f-]{36}$/);
    assert.equal(r.body.token.split('.').length, 3);
    first = r.body;
  });

  it('GET /api/me with the token returns the user', async () => {
    const r = await call<{ user: { id: string; handle: string } }>('GET', '/api/me', { token: first.token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.user, first.user);
  });

  it('the handle is taken in any case: 409 handle_taken', async () => {
    for (const variant of [handle, handle.toUpperCase(), handle.toLowerCase()]) {
      assertError(await call('POST', '/api/auth/signup', { body: { handle: variant, password: 'another-password' } }), 409, 'handle_taken');
    }
  });

  it('sign-in works with the handle in any case and returns the handle as registered', async () => {
    for (const variant of [handle, handle.toLowerCase(), handle.toUpperCase()]) {
      const r = await call<AuthResult>('POST', '/api/auth/signin', { body: { handle: variant, password: PASSWORD } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.user, first.user);
      const me = await call<{ user: { id: string; handle: string } }>('GET', '/api/me', { token: r.body.token });
      assert.deepEqual(me.body.user, first.user);
    }
  });

  it('sign-in with a wrong password or an unknown handle: 401 bad_credentials, the same for both', async () => {
    const wrong = await call('POST', '/api/auth/signin', { body: { handle, password: 'wrong-password' } });
    assertError(wrong, 401, 'bad_credentials');
    const unknown = await call('POST', '/api/auth/signin', { body: { handle: newHandle('nobody'), password: PASSWORD } });
    assertError(unknown, 401, 'bad_credentials');
    assert.equal(unknown.body.message, wrong.body.message);
  });

  it('GET /api/me without a valid token: 401 unauthenticated', async () => {
    assertError(await call('GET', '/api/me'), 401, 'unauthenticated');
    assertError(await call('GET', '/api/me', { token: 'not-a-jwt' }), 401, 'unauthenticated');
    assertError(await call('GET', '/api/me', { authorization: `Basic ${first.token}` }), 401, 'unauthenticated');
    assertError(await call('GET', '/api/me', { token: first.token.slice(0, -2) + 'xx' }), 401, 'unauthenticated');
  });
});

describe('validation', () => {
  it('bad handles: 400 bad_request with a message', async () => {
    for (const handle of ['ab', 'a'.repeat(21), 'has space', 'dash-ed', 'émile', '', 42]) {
      const r = await call('POST', '/api/auth/signup', { body: { handle, password: PASSWORD } });
      assertError(r, 400, 'bad_request');
    }
    const r = await call('POST', '/api/auth/signup', { body: { handle: 'ab', password: PASSWORD } });
    assert.match(r.body.message as string, /handle/);
  });

  it('a short password: 400 bad_request naming the password', async () => {
    const r = await call('POST', '/api/auth/signup', { body: { handle: newHandle(), password: 'short' } });
    assertError(r, 400, 'bad_request');
    assert.match(r.body.message as string, /password/);
    // Sign-in validates the same way.
    assertError(await call('POST', '/api/auth/signin', { body: { handle: newHandle(), password: 'short' } }), 400, 'bad_request');
  });

  it('missing fields or no body at all: 400', async () => {
    assertError(await call('POST', '/api/auth/signup', { body: { handle: newHandle() } }), 400, 'bad_request');
    assertError(await call('POST', '/api/auth/signup', { body: {} }), 400, 'bad_request');
    assertError(await call('POST', '/api/auth/signup'), 400, 'bad_request');
  });

  it('a body that is not JSON: 400 with {code, message}', async () => {
    assertError(await call('POST', '/api/auth/signup', { raw: { contentType: 'application/json', data: '{"handle": "abc", ' } }), 400);
    assertError(await call('POST', '/api/auth/signup', { raw: { contentType: 'application/json', data: 'not json' } }), 400);
    assertError(await call('POST', '/api/auth/signup', { raw: { contentType: 'text/plain', data: 'handle=abc&password=x' } }), 400);
    assertError(await call('POST', '/api/auth/signup', { body: ['handle', 'password'] }), 400, 'bad_request');
  });

  it('an oversized body (> 64 KiB): 413 with {code, message}', async () => {
    const r = await call('POST', '/api/auth/signup', { body: { handle: newHandle(), password: 'x'.repeat(70 * 1024) } });
    assertError(r, 413);
    // Just under the limit is parsed (and then refused by validation, as the password is too long).
    const under = await call('POST', '/api/auth/signup', { body: { handle: newHandle(), password: 'x'.repeat(60 * 1024) } });
    assertError(under, 400, 'bad_request');
  });

  it('unknown API routes: 404 not_found', async () => {
    assertError(await call('GET', '/api/nope'), 404, 'not_found');
  });
});

describe('Spaces', () => {
  let host: AuthResult;
  let other: AuthResult;

  before(async () => {
    host = await signUp(newHandle('Host'));
    other = await signUp(newHandle('Other'));
  });

  it('POST /api/spaces requires sign-in', async () => {
    assertError(await call('POST', '/api/spaces', { body: { title: 'No auth' } }), 401, 'unauthenticated');
    assertError(await call('POST', '/api/spaces', { body: { title: 'Bad auth' }, token: 'garbage' }), 401, 'unauthenticated');
  });

  it('a title is required, non-blank and at most 100 characters', async () => {
    assertError(await call('POST', '/api/spaces', { body: {}, token: host.token }), 400, 'bad_request');
    const blank = await call('POST', '/api/spaces', { body: { title: '   ' }, token: host.token });
    assertError(blank, 400, 'bad_request');
    assert.match(blank.body.message as string, /title/);
    assertError(await call('POST', '/api/spaces', { body: { title: 'x'.repeat(101) }, token: host.token }), 400, 'bad_request');
    assertError(await call('POST', '/api/spaces', { body: { title: 'ok', scheduledFor: 'tomorrow' }, token: host.token }), 400, 'bad_request');
  });

  it('a title is checked like a comment: no NUL, controls, bidi overrides or invisible-only text, and nothing is created', async () => {
    const before = (await call<{ live: unknown[] }>('GET', '/api/spaces')).body.live.length;
    for (const title of ['nul\u0000inside', 'line\nbreak', 'tab\there', 'evil\u202Etxt.exe', 'iso\u2066late', '\u200B\u200B', '\u200D', '\u00AD \u200C']) {
      const r = await call('POST', '/api/spaces', { body: { title }, token: host.token });
      assertError(r, 400, 'bad_request');
    }
    assert.equal((await call<{ live: unknown[] }>('GET', '/api/spaces')).body.live.length, before);
    const emoji = await call<SpaceSummary>('POST', '/api/spaces', { body: { title: 'Family 👨‍👩‍👧 night' }, token: host.token });
    assert.equal(emoji.status, 201, 'emoji with joiners are fine');
  });

  it('on PostgreSQL too, a NUL or control in a title is a 400 before anything reaches the database', async () => {
    const db = await createTestDatabase();
    const pgServer = await startTestServer({}, { 'database-url': db.url });
    try {
      const signup = await fetch(`${pgServer.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: `pg_${randomBytes(4).toString('hex')}`, password: 'correct horse battery' }),
      });
      assert.equal(signup.status, 201, await signup.clone().text());
      const { token } = (await signup.json()) as AuthResult;
      for (const title of ['nul\u0000inside', 'bell\u0007', 'evil\u202Etxt']) {
        const r = await fetch(`${pgServer.url}/api/spaces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ title }),
        });
        assert.equal(r.status, 400, await r.text());
      }
      const list = (await (await fetch(`${pgServer.url}/api/spaces`)).json()) as SpaceList;
      assert.equal(list.live.length + list.scheduled.length, 0, 'nothing was created');
    } finally {
      await pgServer.close();
      await db.drop();
    }
  });

  it('creating without a date goes live at once and shows in the directory', async () => {
    const before = Date.now();
    const r = await call<SpaceSummary>('POST', '/api/spaces', { body: { title: '  Live now  ' }, token: host.token });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.title, 'Live now', 'the title is trimmed');
    assert.equal(r.body.state, 'live');
    assert.equal(r.body.hostId, host.user.id);
    assert.equal(r.body.hostHandle, host.user.handle);
    assert.ok(r.body.startedAt && Date.parse(r.body.startedAt) >= before - 1000);
    assert.equal(r.body.scheduledFor, null);

    const got = await call<SpaceListItem>('GET', `/api/spaces/${r.body.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.state, 'live');
    assert.deepEqual(got.body.stage, []);
    assert.equal(got.body.listenerCount, 0);

    const list = await call<SpaceList>('GET', '/api/spaces');
    assert.ok(list.body.live.some((s) => s.id === r.body.id));
    assert.equal(
      list.body.scheduled.some((s) => s.id === r.body.id),
      false,
    );
  });

  it('GET /api/spaces/:id of an unknown Space: 404 space_not_found; a malformed id: 400', async () => {
    assertError(await call('GET', '/api/spaces/doesNotExist123'), 404, 'space_not_found');
    assertError(await call('GET', `/api/spaces/${'x'.repeat(65)}`), 400, 'bad_request');
    assertError(await call('GET', '/api/spaces/bad%21id'), 400, 'bad_request');
  });

  it('scheduling more than 14 days ahead, or in the past: 409 invalid_state', async () => {
    const tooFar = new Date(Date.now() + 15 * 24 * 3600 * 1000).toISOString();
    assertError(await call('POST', '/api/spaces', { body: { title: 'Too far', scheduledFor: tooFar }, token: host.token }), 409, 'invalid_state');
    const past = new Date(Date.now() - 3600 * 1000).toISOString();
    assertError(await call('POST', '/api/spaces', { body: { title: 'Past', scheduledFor: past }, token: host.token }), 409, 'invalid_state');
  });

  describe('a scheduled Space', () => {
    let scheduled: SpaceSummary;
    const when = new Date(Date.now() + 2 * 3600 * 1000);
    when.setUTCMilliseconds(0);

    it('is created in the scheduled state', async () => {
      const r = await call<SpaceSummary>('POST', '/api/spaces', {
        body: { title: 'Later', scheduledFor: when.toISOString() },
        token: host.token,
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.state, 'scheduled');
      assert.equal(r.body.scheduledFor, when.toISOString());
      assert.equal(r.body.startedAt, null);
      scheduled = r.body;
    });

    it('accepts a date with a UTC offset', async () => {
      const local = new Date(Date.now() + 3 * 3600 * 1000);
      local.setUTCMilliseconds(0);
      // The same instant written as +02:00.
      const shifted = new Date(local.getTime() + 2 * 3600 * 1000).toISOString().replace('.000Z', '+02:00');
      const r = await call<SpaceSummary>('POST', '/api/spaces', { body: { title: 'Offset', scheduledFor: shifted }, token: host.token });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.scheduledFor, local.toISOString());
    });

    it('appears under `scheduled` in GET /api/spaces, not under `live`', async () => {
      const list = await call<SpaceList>('GET', '/api/spaces');
      assert.equal(list.status, 200);
      const item = list.body.scheduled.find((s) => s.id === scheduled.id);
      assert.ok(item, 'listed as scheduled');
      assert.equal(item.state, 'scheduled');
      assert.equal(item.title, 'Later');
      assert.equal(
        list.body.live.some((s) => s.id === scheduled.id),
        false,
      );
      const got = await call<SpaceListItem>('GET', `/api/spaces/${scheduled.id}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.state, 'scheduled');
    });

    it('starting needs sign-in: 401', async () => {
      assertError(await call('POST', `/api/spaces/${scheduled.id}/start`), 401, 'unauthenticated');
    });

    it('only the host may start it: 403 not_permitted for anyone else, and it stays scheduled', async () => {
      assertError(await call('POST', `/api/spaces/${scheduled.id}/start`, { token: other.token }), 403, 'not_permitted');
      const got = await call<SpaceListItem>('GET', `/api/spaces/${scheduled.id}`);
      assert.equal(got.body.state, 'scheduled');
    });

    it('the host starts it: it goes live and moves from `scheduled` to `live`', async () => {
      const r = await call<SpaceSummary>('POST', `/api/spaces/${scheduled.id}/start`, { token: host.token });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'live');
      assert.ok(r.body.startedAt);
      assert.equal(r.body.scheduledFor, when.toISOString());

      const got = await call<SpaceListItem>('GET', `/api/spaces/${scheduled.id}`);
      assert.equal(got.body.state, 'live');
      const list = await call<SpaceList>('GET', '/api/spaces');
      assert.ok(list.body.live.some((s) => s.id === scheduled.id));
      assert.equal(
        list.body.scheduled.some((s) => s.id === scheduled.id),
        false,
      );
    });

    it('starting it again: 409 invalid_state', async () => {
      assertError(await call('POST', `/api/spaces/${scheduled.id}/start`, { token: host.token }), 409, 'invalid_state');
    });
  });

  it('starting an unknown Space: 404 space_not_found', async () => {
    assertError(await call('POST', '/api/spaces/noSuchSpace42/start', { token: host.token }), 404, 'space_not_found');
  });
});

describe('security headers', () => {
  it('the app page has a CSP that allows its own inline theme script by hash, no framing, nosniff and a referrer policy', async () => {
    const res = await fetch(`${server.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/, 'the inline theme script is allowed by its hash, not by unsafe-inline');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
    const api = await fetch(`${server.url}/api/spaces`);
    assert.equal(api.headers.get('x-content-type-options'), 'nosniff', 'on the API too');
  });
});

describe('operations', () => {
  it('/healthz reports ok, the number of live rooms, and every worker up', async () => {
    const r = await call<{ status: string; rooms: number; workers: Array<{ name: string; up: boolean; restarts: number }> }>('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.rooms, server.spaces.liveCount);
    assert.deepEqual(
      r.body.workers.map((w) => [w.name, w.up]),
      [
        ['media-0', true],
        ['codec', true],
      ],
    );
  });

  it('/metrics exposes the room gauge and the RTP counters in Prometheus text format', async () => {
    const host = await signUp(newHandle('Metrics'));
    await call('POST', '/api/spaces', { body: { title: 'Counted' }, token: host.token });
    const r = await call('GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.contentType, /^text\/plain/);
    const rooms = r.text.match(/^spaces_rooms (\d+)$/m);
    assert.ok(rooms, 'spaces_rooms present');
    assert.equal(Number(rooms[1]), server.spaces.liveCount);
    assert.ok(Number(rooms[1]) >= 1);
    assert.match(r.text, /^# TYPE spaces_rtp_packets_in_total counter$/m);
    // No media has flowed in this test: the counter is there, at zero.
    assert.match(r.text, /^spaces_rtp_packets_in_total 0$/m);
    assert.match(r.text, /^# TYPE spaces_rooms gauge$/m);
  });
});
