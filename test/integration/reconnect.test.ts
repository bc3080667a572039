// Dropped connections: a participant comes back in the same role by itself; a host who
// drops keeps the Space through the grace period, after which a co-host takes over or the
// Space ends; ending a Space reaches every page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, sleep, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const GRACE_MS = 1500;

/** Cuts the participant's WebSocket as a network blip would (no close handshake). */
function dropSocket(p: TestParticipant): void {
  (p.signalling as unknown as { socket: { terminate(): void } }).socket.terminate();
}

describe('reconnects and host grace', () => {
  let server: RunningServer;
  const opened: TestParticipant[] = [];
  const join = async (...args: Parameters<typeof joinSpace>) => {
    const p = await joinSpace(...args);
    opened.push(p);
    return p;
  };

  before(async () => {
    server = await startTestServer({ hostGraceMs: GRACE_MS, reconnectGraceMs: GRACE_MS });
  });
  after(async () => {
    for (const p of opened) p.close();
    await server?.close();
  });

  it('brings a dropped speaker back on stage by itself, and their audio resumes', async () => {
    const hostApi = await account(server, 'rc_host1');
    const spaceId = (await hostApi.createSpace('Blips')).id;
    const host = await join(server, spaceId, { api: hostApi, tag: 1 });
    const speaker = await join(server, spaceId, { api: await account(server, 'rc_speaker'), tag: 2 });
    const listener = await join(server, spaceId, { guest: true, canPublish: false });
    await speaker.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, speaker);
    await waitFor(() => speaker.state.you?.role === 'speaker', 3000, 'on stage');
    speaker.peer.setTalking(true);
    speaker.peer.startSending();
    await waitFor(() => listener.peer.packetsFromTag(2) > 10, 10_000, 'speaker heard');

    dropSocket(speaker);
    await waitFor(() => host.state.space!.stage.some((p) => p.userId === speaker.state.you!.userId && !p.connected), 3000, 'shown as reconnecting');
    await waitFor(() => speaker.signalling.status === 'connected', 10_000, 'signalling reconnected');
    await waitFor(() => speaker.peer.state === 'connected', 10_000, 'media reconnected');
    assert.equal(speaker.state.you?.role, 'speaker', 'same role after the reconnect');
    const before = listener.peer.packetsFromTag(2);
    await waitFor(() => listener.peer.packetsFromTag(2) - before > 20, 10_000, 'speaker heard again');
    assert.ok(host.state.space!.stage.find((p) => p.userId === speaker.state.you!.userId)?.connected);
  });

  it('keeps the Space through a host blip shorter than the grace period', async () => {
    const hostApi = await account(server, 'rc_host2');
    const spaceId = (await hostApi.createSpace('Host blip')).id;
    const host = await join(server, spaceId, { api: hostApi, tag: 1 });
    const listener = await join(server, spaceId, { guest: true, canPublish: false });
    dropSocket(host);
    await waitFor(() => host.signalling.status === 'connected', 10_000, 'host back');
    await sleep(GRACE_MS + 500);
    assert.equal(listener.ended, false);
    assert.equal(listener.state.space?.state, 'live');
    assert.equal(host.state.you?.role, 'host');
  });

  it('hands the Space to the co-host when the host does not come back', async () => {
    const hostApi = await account(server, 'rc_host3');
    const spaceId = (await hostApi.createSpace('Handover')).id;
    const host = await join(server, spaceId, { api: hostApi, tag: 1 });
    const cohost = await join(server, spaceId, { api: await account(server, 'rc_cohost'), tag: 2 });
    const listener = await join(server, spaceId, { guest: true, canPublish: false });
    await host.signalling.act({ action: 'makeCohost', userId: cohost.state.you!.userId });
    await waitFor(() => cohost.state.you?.role === 'cohost', 3000, 'co-host');
    host.peer.close();
    host.signalling.close(); // gone for good, without a Leave
    await waitFor(() => cohost.state.you?.role === 'host', GRACE_MS + 5000, 'co-host takes over');
    assert.equal(listener.ended, false);
    assert.equal(listener.state.space?.hostId, cohost.state.you!.userId);
    assert.ok(!listener.state.space!.stage.some((p) => p.userId === host.state.you!.userId), 'old host gone');
  });

  it('ends the Space when a host without co-hosts does not come back', async () => {
    const hostApi = await account(server, 'rc_host4');
    const spaceId = (await hostApi.createSpace('Abandoned')).id;
    const host = await join(server, spaceId, { api: hostApi, tag: 1 });
    const listener = await join(server, spaceId, { guest: true, canPublish: false });
    host.peer.close();
    host.signalling.close();
    await waitFor(() => listener.ended, GRACE_MS + 5000, 'listener told the Space ended');
    const info = await hostApi.getSpace(spaceId);
    assert.equal(info.state, 'ended');
  });

  it('tells every participant when the host ends the Space', async () => {
    const hostApi = await account(server, 'rc_host5');
    const spaceId = (await hostApi.createSpace('The end')).id;
    const host = await join(server, spaceId, { api: hostApi, tag: 1 });
    const others = [await join(server, spaceId, { guest: true, canPublish: false }), await join(server, spaceId, { api: await account(server, 'rc_l2') })];
    await host.signalling.act({ action: 'end' });
    await waitFor(() => others.every((p) => p.ended) && host.ended, 3000, 'everyone told');
    const list = await hostApi.listSpaces();
    assert.ok(!list.live.some((s) => s.id === spaceId), 'no longer listed as live');
    await assert.rejects(joinSpace(server, spaceId, { guest: true }), (err: Error & { code?: string }) => err.code === 'space_ended');
  });
});
