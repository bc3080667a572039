// The room tap (the HLS egress's ear on a room) watches the stage video under a viewer id of
// its own, TAP_VIEWER_ID, which must never be a participant's: a participant with that id
// would take over the tap's video slot (or lose their own). Participant ids come from the
// server, never from the client: an account's id is the users table's (a UUID the server made),
// read back when a session token is checked; a guest's is an HMAC of their secret, whose
// alphabet the join message restricts. This drives the real entry point, a WebSocket join, with
// every way a client could name the tap's id, and checks the ids the server does hand out.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { startTestServer } from '../helpers/server.js';
import { account } from '../helpers/clients.js';
import { TAP_VIEWER_ID } from '../../src/media/room/room-tap.js';
import type { RunningServer } from '../../src/server.js';
import type { ServerMessage } from '../../src/protocol/messages.js';

const JWT_SECRET = 'tap-viewer-id-test-secret-0123456789';

/** One join over a raw WebSocket: the server's first answer to it (welcome or error). */
async function join(server: RunningServer, message: Record<string, unknown>): Promise<ServerMessage> {
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws');
  try {
    const first = new Promise<ServerMessage>((resolve, reject) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as ServerMessage;
        if (msg.type === 'welcome' || msg.type === 'error') resolve(msg);
      });
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed before answering the join')));
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'join', ...message }));
    return await first;
  } finally {
    ws.close();
  }
}

function assertRefused(msg: ServerMessage, code: string): void {
  assert.equal(msg.type, 'error', `refused: ${JSON.stringify(msg)}`);
  if (msg.type === 'error') assert.equal(msg.code, code, msg.message);
}

describe(`nobody joins as the room tap's viewer id (${TAP_VIEWER_ID})`, () => {
  let server: RunningServer;
  let spaceId: string;

  before(async () => {
    server = await startTestServer({ jwtSecret: JWT_SECRET });
    const hostApi = await account(server, 'tap_id_host');
    // Recorded, as a Space whose room has a tap.
    spaceId = (await hostApi.createSpace('Tapped', undefined, { record: true })).id;
  });

  after(async () => {
    await server?.close();
  });

  it("refuses a session token naming the tap's id, even one signed with the server's own key", async () => {
    const forged = await new SignJWT({ handle: 'tap', tv: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(TAP_VIEWER_ID)
      .setIssuer('spaces')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
    assertRefused(await join(server, { spaceId, token: forged }), 'unauthenticated');
  });

  it("refuses the tap's id as a guest secret, under either name", async () => {
    for (const field of ['guestSecret', 'guestId']) {
      for (const secret of [TAP_VIEWER_ID, `${TAP_VIEWER_ID}-0123456789abcdef`]) {
        assertRefused(await join(server, { spaceId, [field]: secret }), 'bad_message');
      }
    }
  });

  it("hands out ids that are never the tap's: an account's UUID, a guest's HMAC", async () => {
    const api = await account(server, 'tap_id_member');
    const member = await join(server, { spaceId, token: api.token });
    assert.equal(member.type, 'welcome');
    if (member.type === 'welcome') assert.match(member.you.userId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Guests with the secrets closest to the tap's id that the join message allows, and one the server makes.
    for (const guestSecret of ['tap-tap-tap-tap-tap', '_tap_____________', undefined]) {
      const guest = await join(server, { spaceId, ...(guestSecret ? { guestSecret } : {}) });
      assert.equal(guest.type, 'welcome', `guest ${guestSecret}: ${JSON.stringify(guest)}`);
      if (guest.type === 'welcome') {
        assert.match(guest.you.userId, /^guest:[A-Za-z0-9_-]{22}$/);
        assert.notEqual(guest.you.userId, TAP_VIEWER_ID);
      }
    }
  });
});
