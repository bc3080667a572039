// Untrusted input: malformed JSON, unknown messages, oversized frames, invalid SDP, random
// bytes on the media port, and a flood from one client. Each gets an error (or is dropped),
// the server stays up, and the other participants of the Space are not affected.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, sleep, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import type { ServerMessage } from '../../src/protocol/messages.js';

/** A raw WebSocket client that records every server message. */
async function rawClient(server: RunningServer): Promise<{ ws: WebSocket; messages: ServerMessage[]; closed: Promise<number> }> {
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws');
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

const errorsOf = (messages: ServerMessage[]) => messages.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');

describe('bad input', () => {
  let server: RunningServer;
  let host: TestParticipant;
  let listener: TestParticipant;
  let spaceId: string;

  before(async () => {
    server = await startTestServer({ messageRate: 20, messageBurst: 40 });
    const hostApi = await account(server, 'bad_host');
    spaceId = (await hostApi.createSpace('Under attack')).id;
    host = await joinSpace(server, spaceId, { api: hostApi, tag: 1 });
    listener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    await waitFor(() => host.peer.state === 'connected' && listener.peer.state === 'connected', 10_000, 'peers connected');
    host.peer.startSending();
    host.peer.setTalking(true);
  });

  after(async () => {
    host?.close();
    listener?.close();
    await server?.close();
  });

  /** The bystanders still work: media flows and the host can act. */
  async function assertUnaffected(): Promise<void> {
    const before = listener.peer.packetsFromTag(1);
    // 15 more packets (0.3 s of the host talking); the limit only bounds a hang.
    await waitFor(() => listener.peer.packetsFromTag(1) - before >= 15, 30_000, 'the listener still hears the host');
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
  }

  it('answers malformed JSON, unknown types and invalid fields with errors', async () => {
    const c = await rawClient(server);
    c.ws.send('{not json');
    c.ws.send(JSON.stringify({ type: 'no_such_type' }));
    c.ws.send(JSON.stringify({ type: 'join', spaceId: 42 }));
    c.ws.send(JSON.stringify({ type: 'action', rid: 'x1', body: { action: 'approve' } }));
    c.ws.send(JSON.stringify({ type: 'answer', rid: 'x2', sdp: 'v=0' }));
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitFor(() => errorsOf(c.messages).length >= 6, 3000, 'six errors');
    // Valid messages are handled in order through a queue; rejections are immediate, so compare as a multiset.
    const codes = errorsOf(c.messages)
      .map((e) => e.code)
      .sort();
    assert.deepEqual(codes, ['bad_json', 'bad_message', 'bad_message', 'bad_message', 'bad_message', 'not_joined']);
    assert.equal(errorsOf(c.messages).find((e) => e.rid === 'x1')?.code, 'bad_message', 'errors carry the request id when there is one');
    assert.equal(errorsOf(c.messages).find((e) => e.rid === 'x2')?.code, 'not_joined');
    c.ws.close();
    await assertUnaffected();
  });

  it('refuses messages over 64 KiB without closing the connection', async () => {
    const c = await rawClient(server);
    c.ws.send(JSON.stringify({ type: 'ping', rid: 'big', pad: 'x'.repeat(70 * 1024) }));
    c.ws.send(JSON.stringify({ type: 'ping', rid: 'small' }));
    await waitFor(() => c.messages.length >= 2, 3000, 'two replies');
    assert.equal(c.messages[0]!.type, 'error');
    assert.equal((c.messages[0] as { code: string }).code, 'message_too_large');
    assert.deepEqual(c.messages[1], { type: 'pong', rid: 'small' });
    c.ws.close();
  });

  it('rejects an invalid SDP answer and keeps the session usable', async () => {
    const p = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    await waitFor(() => p.peer.state === 'connected', 10_000, 'peer connected');
    const bad = [
      'v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n',
      'garbage',
      'v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:wrong\r\n',
    ];
    // Ask for a fresh offer so that an answer is awaited, then answer it with garbage first.
    const offers: string[] = [];
    p.signalling.on('offer', (m) => offers.push(m.sdp));
    for (const sdp of bad) {
      await assert.rejects(p.signalling.sendAnswer(sdp), (err: Error & { code?: string }) => err.code === 'invalid_sdp');
    }
    const before = p.peer.packetsFromTag(1);
    await waitFor(() => p.peer.packetsFromTag(1) - before >= 15, 30_000, 'media still flows to the participant after bad answers');
    p.close();
    await assertUnaffected();
  });

  it('survives random bytes on the media UDP port', async () => {
    const sock = dgram.createSocket('udp4');
    let sent = 0;
    for (let i = 0; i < 2000; i++) {
      const len = 1 + Math.floor(Math.random() * 1200);
      const buf = randomBytes(len);
      // Some packets look like STUN, RTP or DTLS by their first byte.
      buf[0] = [0x00, 0x01, 0x80, 0x90, 0x16, 0x17][i % 6]!;
      sock.send(buf, server.mediaPort, '127.0.0.1', () => sent++);
      // Paced, so that our own socket buffer does not drop the flood before it reaches the server.
      if (i % 200 === 0) await sleep(5);
    }
    // Closing the socket would cancel datagrams not yet handed to the kernel.
    await waitFor(() => sent === 2000, 30_000, 'all datagrams sent');
    sock.close();
    await assertUnaffected();
  });

  it('rate-limits a flooding client, then disconnects it, without affecting others', async () => {
    const c = await rawClient(server);
    c.ws.send(JSON.stringify({ type: 'join', rid: 'join', spaceId }));
    await waitFor(() => c.messages.some((m) => m.type === 'welcome'), 3000, 'flooder joined');
    for (let i = 0; i < 400; i++) c.ws.send(JSON.stringify({ type: 'ping', rid: String(i) }));
    const code = await c.closed;
    const limited = errorsOf(c.messages).filter((e) => e.code === 'rate_limited').length;
    assert.ok(limited > 0, 'the flooder was told it is rate-limited');
    assert.ok(c.messages.filter((m) => m.type === 'pong').length <= 45, 'no more than the burst was served');
    assert.equal(code, 1008, 'then disconnected for policy violation');
    await host.signalling.act({ action: 'muteAll' });
    await assertUnaffectedAfterUnmute();
  });

  it('refuses a forged moderator action with no change of state', async () => {
    const target = host.state.you!.userId;
    await assert.rejects(listener.signalling.act({ action: 'mute', userId: target }), (err: Error & { code?: string }) => err.code === 'not_permitted');
    await assert.rejects(listener.signalling.act({ action: 'end' }), (err: Error & { code?: string }) => err.code === 'not_permitted');
    // A change the host may make, broadcast after the forged actions were answered: state
    // changes go out in coalesced broadcasts, so once the host sees this one it would also
    // have seen any change the forged actions had made.
    await host.signalling.act({ action: 'setGuestComments', on: false });
    await waitFor(() => host.state.space?.guestComments === false, 30_000, 'the host sees its own change');
    assert.equal(host.state.space!.state, 'live');
    assert.equal(host.state.you!.muted, false);
    await host.signalling.act({ action: 'setGuestComments', on: true });
  });

  async function assertUnaffectedAfterUnmute(): Promise<void> {
    // muteAll leaves the host (the actor) unmuted, so the host is still heard.
    await waitFor(() => host.state.you !== null, 1000, 'host state');
    assert.equal(host.state.you!.muted, false);
    await assertUnaffected();
  }
});
