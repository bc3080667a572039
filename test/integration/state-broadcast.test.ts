// State broadcasts under a join storm: listeners arriving and leaving only change the audience,
// which everyone learns of lazily (at most once a second for a large audience), while a change
// of the stage or of the requests still goes out at once. Real server, real WebSockets.
// How many broadcasts a storm makes depends on the pace of the joins, which a busy machine
// changes; test/unit/app/state-broadcaster.test.ts counts them on mock timers, against what
// the old flat 30 ms coalescing would send. Here: nobody is left out, and requests get through.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { SignallingClient, type WebSocketLike } from '../../src/sdk/signalling.js';
import type { RunningServer } from '../../src/server.js';

const GUESTS = 120;

describe(`state broadcasts while ${GUESTS} listeners join`, () => {
  let server: RunningServer;
  let host: TestParticipant;
  let spaceId: string;
  const guests: SignallingClient[] = [];
  /** Each guest's public id, as its welcome said. */
  const guestIds = new Map<SignallingClient, string>();
  let statesAtHost = 0;

  before(async () => {
    server = await startTestServer();
    const api = await account(server, 'storm_host');
    spaceId = (await api.createSpace('Join storm')).id;
    host = await joinSpace(server, spaceId, { api });
    host.signalling.on('state', () => statesAtHost++);
  });

  after(async () => {
    for (const g of guests) g.close();
    host?.close();
    await server?.close();
  });

  const guest = () =>
    new SignallingClient({
      url: server.url.replace(/^http/, 'ws') + '/ws',
      spaceId,
      guestSecret: `storm${guests.length}x${process.pid}`.padEnd(16, '0'),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });

  it('tells everyone of every listener in the end, in fewer broadcasts than joins', async () => {
    const before = statesAtHost;
    await Promise.all(
      Array.from({ length: GUESTS }, async () => {
        const g = guest();
        guests.push(g);
        guestIds.set(g, (await g.connect()).you.userId);
      }),
    );
    // At most a second after the last join (the longest an audience change waits); the limit bounds a hang.
    await waitFor(() => host.state.space?.listenerCount === GUESTS, 30_000, `the host's state to count ${GUESTS} listeners`);
    const broadcasts = statesAtHost - before;
    // Coalesced at all (the unit test pins down how far).
    assert.ok(broadcasts < GUESTS, `${broadcasts} state broadcasts for ${GUESTS} joins`);
  });

  it('still delivers a request to speak while the audience churns', async () => {
    const api = await account(server, 'storm_asker');
    const asking = new SignallingClient({
      url: server.url.replace(/^http/, 'ws') + '/ws',
      spaceId,
      token: api.token!,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    guests.push(asking);
    const welcome = await asking.connect();
    // Churn: listeners leave while someone asks to speak.
    for (const g of guests.slice(60, 90)) g.close();
    await asking.act({ action: 'requestToSpeak' });
    await waitFor(() => (host.state.space?.requests ?? []).some((r) => r.userId === welcome.you.userId), 30_000, 'the request at the host');
    // Their places are held for the reconnect grace period, shown as not connected.
    const left = new Set(guests.slice(60, 90).map((g) => guestIds.get(g)!));
    await waitFor(
      () => (host.state.space?.listeners ?? []).filter((l) => left.has(l.userId) && !l.connected).length === left.size,
      30_000,
      'the leavers shown as gone',
    );
  });
});
