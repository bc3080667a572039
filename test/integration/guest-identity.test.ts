// A guest's credential is a secret no one else ever sees, and the public id everyone sees
// cannot be turned back into it: another person in the Space who copies what they can see
// (the id, with or without its prefix, the handle) joins as someone else, does not disconnect
// the victim, and can neither post as them nor delete their comments.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { SignallingClient, type WebSocketLike } from '../../src/sdk/signalling.js';
import type { RunningServer } from '../../src/server.js';
import type { ServerMessage } from '../../src/protocol/messages.js';

describe('guest identity', () => {
  let server: RunningServer;
  let spaceId: string;
  let host: TestParticipant;
  const clients: SignallingClient[] = [];
  /** Everything each guest client received, with the secret it joined with. */
  const received: Array<{ secret: string | undefined; messages: ServerMessage[] }> = [];
  const SECRET = 'victim-secret-0123456789abcdef';

  before(async () => {
    server = await startTestServer();
    const hostApi = await account(server);
    spaceId = (await hostApi.createSpace('Guests')).id;
    host = await joinSpace(server, spaceId, { api: hostApi });
  });

  after(async () => {
    for (const c of clients) c.close();
    host?.close();
    await server?.close();
  });

  /** A guest on signalling alone, recording every message and how its socket closed. */
  function guest(secret?: string) {
    const messages: ServerMessage[] = [];
    const client = new SignallingClient({
      url: server.url.replace(/^http/, 'ws') + '/ws',
      spaceId,
      ...(secret ? { guestSecret: secret } : {}),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    clients.push(client);
    received.push({ secret, messages });
    for (const type of ['welcome', 'state', 'comment', 'comments', 'error'] as const) client.on(type, (m) => messages.push(m));
    return { client, messages };
  }

  it('the victim is seen only by a public id that is not the secret', async () => {
    const victim = guest(SECRET);
    const welcome = await victim.client.connect();
    assert.match(welcome.you.userId, /^guest:[A-Za-z0-9_-]{22}$/);
    assert.ok(!welcome.you.userId.includes(SECRET) && !welcome.you.handle.includes(SECRET.slice(0, 6)), 'neither id nor handle shows the secret');
    await victim.client.comment('hello from the victim');
    const again = guest(SECRET);
    const back = await again.client.connect();
    assert.equal(back.you.userId, welcome.you.userId, 'the secret brings the same guest back');
    again.client.close();
  });

  it('copying the public id, with or without its prefix, makes you someone else', async () => {
    const victim = guest(SECRET);
    const { you } = await victim.client.connect();
    const closed: number[] = [];
    victim.client.onStatus(() => victim.client.closeCode !== null && closed.push(victim.client.closeCode));
    const attacker = guest();
    await attacker.client.connect();
    await waitFor(
      () => attacker.messages.some((m) => m.type === 'state' && m.space.listeners.some((l) => l.userId === you.userId)),
      5000,
      'the victim in the state',
    );
    const stolen = you.userId.slice('guest:'.length);
    // The prefix has a character no secret may have: refused outright.
    const withPrefix = guest(you.userId);
    await assert.rejects(withPrefix.client.connect(), /guestSecret|bad_message|letters/);
    const impostor = guest(stolen);
    const joined = await impostor.client.connect();
    assert.notEqual(joined.you.userId, you.userId, 'the copied id is someone else');
    assert.equal(victim.client.status, 'connected', 'the victim was not disconnected');
    assert.deepEqual(closed, []);
    // The victim's comment cannot be deleted by the impostor, nor does a new comment come out as theirs.
    const comment = victim.messages
      .flatMap((m) => (m.type === 'comments' ? m.comments : m.type === 'comment' ? [m.comment] : []))
      .find((c) => c.userId === you.userId);
    assert.ok(comment, 'the victim has a comment');
    await assert.rejects(impostor.client.deleteComment(comment.id), /cannot delete/);
    await impostor.client.comment('not the victim');
    await waitFor(() => victim.messages.some((m) => m.type === 'comment' && m.comment.text === 'not the victim'), 5000, 'the impostor comment');
    const posted = victim.messages.find((m): m is Extract<ServerMessage, { type: 'comment' }> => m.type === 'comment' && m.comment.text === 'not the victim')!;
    assert.notEqual(posted.comment.userId, you.userId);
  });

  it('the secret appears in no message anyone else received', () => {
    const others = received.filter((r) => r.secret !== SECRET);
    assert.ok(others.length >= 3 && others.every((r) => r.messages.length > 0), 'the others received state and comments');
    for (const r of others) assert.ok(!JSON.stringify(r.messages).includes(SECRET), 'a guest saw the secret');
    assert.ok(!JSON.stringify([host.state, host.chatLog]).includes(SECRET), 'the host saw the secret');
  });

  it('a guest without a secret is given one, to it alone, and keeps its identity across a reconnect', async () => {
    const g = guest();
    const welcome = await g.client.connect();
    assert.ok(welcome.guestSecret && /^[A-Za-z0-9_-]{16,64}$/.test(welcome.guestSecret), 'the server made a secret');
    const second = guest(welcome.guestSecret);
    const back = await second.client.connect();
    assert.equal(back.you.userId, welcome.you.userId);
    assert.equal(back.guestSecret, undefined, 'a secret is only sent when the server made it');
  });
});
