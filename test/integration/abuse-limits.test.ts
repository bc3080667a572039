// The abuse limits, each hit for real and answered as documented: 429 with Retry-After (or a
// close code), the limit configurable, and what stays under it unaffected. Also sessions:
// tokens need an expiry and an account, and "sign out everywhere" revokes them all.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor } from '../helpers/clients.js';
import { ApiClient } from '../../src/sdk/api.js';
import type { RunningServer } from '../../src/server.js';
import type { AbuseLimits, Config } from '../../src/config.js';

const LIMITS: AbuseLimits = {
  signInPerMinute: 8,
  signInFreeFailures: 3,
  signInMaxWaitSeconds: 60,
  signUpsPerHour: 4,
  spacesPerHour: 5,
  liveSpacesPerAccount: 2,
  recordingsPerAccount: 1,
  socketsPerAddress: 5,
  joinTimeoutMs: 800,
  idleTimeoutMs: 1000,
};

let handles = 0;
const handle = (p: string) => `${p}${process.pid % 10000}_${++handles}`.slice(0, 20);

async function post(
  server: RunningServer,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; retryAfter: string | null; body: { code?: string; message?: string; token?: string } }> {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : {} };
}

function server(limits: Partial<AbuseLimits> = {}, extra: Partial<Config> = {}): Promise<RunningServer> {
  return startTestServer({ limits: { ...LIMITS, ...limits }, ...extra });
}

describe('abuse limits', () => {
  const servers: RunningServer[] = [];
  const open = async (limits: Partial<AbuseLimits> = {}) => {
    const s = await server(limits);
    servers.push(s);
    return s;
  };
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('sign-ups per address: beyond the hourly limit, 429 with Retry-After and no account', async () => {
    const s = await open();
    for (let i = 0; i < LIMITS.signUpsPerHour; i++)
      assert.equal((await post(s, '/api/auth/signup', { handle: handle('su'), password: 'password123' })).status, 201);
    const refused = await post(s, '/api/auth/signup', { handle: handle('su'), password: 'password123' });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'rate_limited');
    assert.ok(Number(refused.retryAfter) > 0, `Retry-After ${refused.retryAfter}`);
  });

  it('sign-in per handle: after the free failures each try waits longer, even with the right password; a success clears it', async () => {
    const s = await open({ signInPerMinute: 1000 });
    const h = handle('si');
    assert.equal((await post(s, '/api/auth/signup', { handle: h, password: 'password123' })).status, 201);
    for (let i = 0; i < LIMITS.signInFreeFailures; i++)
      assert.equal((await post(s, '/api/auth/signin', { handle: h, password: 'wrong-password' })).status, 401);
    assert.equal((await post(s, '/api/auth/signin', { handle: h, password: 'wrong-password' })).status, 401, 'the failure that starts the wait');
    const locked = await post(s, '/api/auth/signin', { handle: h.toUpperCase(), password: 'password123' });
    assert.equal(locked.status, 429, 'the right password must wait too (and the handle in any case)');
    assert.equal(locked.retryAfter, '1');
    // A pause, kept: the wait is the limit itself, on the server's clock. Wait what Retry-After says.
    await new Promise((r) => setTimeout(r, Number(locked.retryAfter) * 1000 + 100));
    assert.equal((await post(s, '/api/auth/signin', { handle: h, password: 'password123' })).status, 200);
    assert.equal((await post(s, '/api/auth/signin', { handle: h, password: 'wrong-password' })).status, 401, 'cleared by the success');
  });

  it('sign-in per address: beyond the per-minute limit, 429 with Retry-After, whatever the handle', async () => {
    const s = await open();
    const codes: number[] = [];
    for (let i = 0; i < LIMITS.signInPerMinute + 2; i++)
      codes.push((await post(s, '/api/auth/signin', { handle: handle('sa'), password: 'password123' })).status);
    assert.deepEqual(codes.slice(0, LIMITS.signInPerMinute), Array(LIMITS.signInPerMinute).fill(401));
    assert.deepEqual(codes.slice(LIMITS.signInPerMinute), [429, 429]);
  });

  it('live Spaces and recordings per account, and Spaces created per hour', async () => {
    const s = await open();
    const api = await account(s, handle('ls'));
    const a = await api.createSpace('One', undefined, { record: true });
    await assert.rejects(api.createSpace('Recorded too', undefined, { record: true }), /already record/);
    await api.createSpace('Two');
    await assert.rejects(api.createSpace('Three'), /already host 2 live Spaces/);
    const r = await post(s, '/api/spaces', { title: 'Three' }, api.token!);
    assert.equal(r.status, 429);
    assert.ok(r.retryAfter);
    // A scheduled one is fine (it counts when it starts), until the hourly limit.
    const soon = new Date(Date.now() + 3600_000);
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await post(s, '/api/spaces', { title: `Later ${i}`, scheduledFor: soon.toISOString() }, api.token!)).status);
    assert.deepEqual(codes, [201, 201, 201, 429], 'five Spaces an hour (two live, three scheduled)');
    // Turning a second recording on, over the WebSocket, is refused as well.
    const host = await joinSpace(s, a.id, { api });
    const other = (await api.listSpaces()).live.find((x) => x.id !== a.id)!;
    const host2 = await joinSpace(s, other.id, { api });
    await assert.rejects(host2.signalling.act({ action: 'setRecording', on: true }), /already record/);
    await host.signalling.act({ action: 'setRecording', on: false });
    await host2.signalling.act({ action: 'setRecording', on: true });
    host.close();
    host2.close();
  });

  it('WebSockets per address are refused with 429 before the upgrade; a socket that never joins is closed with 4008', async () => {
    // A deadline well past the time it takes to open them all, even on a busy machine.
    const s = await open({ joinTimeoutMs: 3000 });
    const url = s.url.replace(/^http/, 'ws') + '/ws';
    const sockets: WebSocket[] = [];
    const results: Array<number | 'open'> = [];
    for (let i = 0; i < LIMITS.socketsPerAddress + 2; i++) {
      results.push(
        await new Promise<number | 'open'>((resolve) => {
          const ws = new WebSocket(url);
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.once('open', () => {
            sockets.push(ws);
            resolve('open');
          });
        }),
      );
    }
    assert.deepEqual(results, [...Array(LIMITS.socketsPerAddress).fill('open'), 429, 429]);
    const codes = await Promise.all(sockets.map((ws) => new Promise<number>((r) => ws.once('close', (code) => r(code)))));
    assert.ok(
      codes.every((c) => c === 4008),
      `closed for not joining: ${codes.join(',')}`,
    );
    // With them gone, a new one is let in.
    const again = new WebSocket(url);
    await new Promise((r, j) => (again.once('open', r), again.once('unexpected-response', j)));
    again.terminate();
  });

  it('a socket that stops answering pings is dropped after the idle timeout', async () => {
    const s = await open({ joinTimeoutMs: 60_000 });
    const ws = new WebSocket(s.url.replace(/^http/, 'ws') + '/ws', { autoPong: false });
    await new Promise((r) => ws.once('open', r));
    const started = Date.now();
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    assert.equal(code, 1006, 'terminated, as a dead peer would be');
    assert.ok(Date.now() - started >= LIMITS.idleTimeoutMs / 2);
  });
});

describe('sessions', () => {
  const SECRET = 'sessions-test-secret-0123456789abcdef';
  let s: RunningServer;
  before(async () => {
    s = await server({ signUpsPerHour: 100, signInPerMinute: 100 }, { jwtSecret: SECRET });
  });
  after(async () => {
    await s.close();
  });

  const me = async (token: string) => (await fetch(`${s.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
  const sign = (claims: Record<string, unknown>, subject: string, expires: boolean) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setIssuer('spaces').setIssuedAt();
    return (expires ? jwt.setExpirationTime('1h') : jwt).sign(new TextEncoder().encode(SECRET));
  };

  it('a token without an expiry, or for an account that does not exist, is refused', async () => {
    const h = handle('tk');
    const api = await account(s, h);
    const { user } = await api.me();
    assert.equal(await me(await sign({ tv: 0 }, user.id, true)), 200, 'the control: a well-formed token of this account');
    assert.equal(await me(await sign({ tv: 0 }, user.id, false)), 401, 'no expiry');
    assert.equal(await me(await sign({ tv: 0 }, '00000000-0000-4000-8000-000000000000', true)), 401, 'no such account');
    assert.equal(await me(await sign({}, user.id, true)), 401, 'no token version');
  });

  it('sign out everywhere revokes every token of the account and closes its connections', async () => {
    const h = handle('so');
    const api = await account(s, h);
    const first = api.token!;
    const second = (await new ApiClient(s.url).signIn(h, 'password123')).token;
    const spaceId = (await api.createSpace('Signed out')).id;
    const host = await joinSpace(s, spaceId, { api });
    await waitFor(() => host.state.you !== null, 5000, 'the host in');
    assert.equal(await me(first), 200);
    assert.equal(await me(second), 200);
    const r = await fetch(`${s.url}/api/auth/signout-all`, { method: 'POST', headers: { authorization: `Bearer ${second}` } });
    assert.equal(r.status, 204);
    assert.equal(await me(first), 401);
    assert.equal(await me(second), 401);
    await waitFor(() => host.signalling.status === 'closed', 5000, 'the open connection closed');
    assert.equal(host.signalling.closeCode, 4003, 'closed as signed out, and the client does not reconnect');
    const fresh = (await new ApiClient(s.url).signIn(h, 'password123')).token;
    assert.equal(await me(fresh), 200, 'a new sign-in works');
    host.close();
  });
});
