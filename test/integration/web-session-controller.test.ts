// The web app's live session without a browser: SpaceSessionController against a real server
// in this process, over real `ws` WebSockets (the SDK's socket interface), with no media. It
// checks what the Space page relies on: each slice changes identity when its own content
// changes and only then, joins, role changes and leaving land in the right slice, a dropped
// connection comes back, refusals surface as notices, a final close ends the session, and what
// a person may do to another comes from the domain's rules.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account } from '../helpers/clients.js';
import type { ApiClient } from '../../src/sdk/api.js';
import type { WebSocketLike } from '../../src/sdk/signalling.js';
import type { RunningServer } from '../../src/server.js';
import { SpaceSessionController, withoutMedia } from '../../web/src/state/session/controller.js';
import type { Slice } from '../../web/src/state/session/slice.js';

/** Resolves once `check` holds for the slice's value (now or after a change); rejects after `timeoutMs` (a hang guard, not a measurement). */
function when<T>(slice: Slice<T>, check: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    if (check(slice.getSnapshot())) return resolve(slice.getSnapshot());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}; last value ${JSON.stringify(slice.getSnapshot())}`));
    }, timeoutMs);
    const off = slice.subscribe(() => {
      if (!check(slice.getSnapshot())) return;
      clearTimeout(timer);
      off();
      resolve(slice.getSnapshot());
    });
  });
}

interface Viewer {
  session: SpaceSessionController;
  notices: string[];
  /** Every socket it opened, newest last (to cut one, as a network drop would). */
  sockets: WebSocket[];
}

describe('SpaceSessionController against a real server', () => {
  let server: RunningServer;
  let hostApi: ApiClient;
  let spaceId: string;
  const viewers: Viewer[] = [];

  const viewer = (identity: { token: string } | { guestSecret: string }, id = spaceId): Viewer => {
    const notices: string[] = [];
    const sockets: WebSocket[] = [];
    const session = new SpaceSessionController({
      spaceId: id,
      url: server.url.replace(/^http/, 'ws') + '/ws',
      identity,
      createSocket: (url) => {
        const ws = new WebSocket(url);
        sockets.push(ws);
        return ws as unknown as WebSocketLike;
      },
      fetchSpace: (sid) => hostApi.getSpace(sid),
      notify: (text) => notices.push(text),
      media: withoutMedia,
      schedulePollMs: 100,
      leaveGraceMs: 200,
    });
    const v = { session, notices, sockets };
    viewers.push(v);
    session.start();
    return v;
  };
  const live = (v: Viewer) => when(v.session.connection, (c) => c.phase === 'live' && c.status === 'connected', 'the session to be live');

  let host: Viewer;
  let ann: Viewer;
  let annApi: ApiClient;

  before(async () => {
    server = await startTestServer();
    hostApi = await account(server, 'ctl_host');
    annApi = await account(server, 'ctl_ann');
    spaceId = (await hostApi.createSpace('Controller')).id;
    host = viewer({ token: hostApi.token! });
    await live(host);
    ann = viewer({ token: annApi.token! });
    await live(ann);
  });

  after(async () => {
    for (const v of viewers) v.session.stop();
    await server?.close();
  });

  it('joins: the host is on stage and a moderator, Ann is a listener the host sees', async () => {
    const me = host.session.me.getSnapshot();
    assert.equal(me.you?.role, 'host');
    assert.equal(me.host && me.moderator && me.onStage, true);
    assert.equal(me.guest, false);
    assert.equal(host.session.details.getSnapshot().summary?.title, 'Controller');
    await when(host.session.audience, (a) => a.listeners.some((p) => p.handle === 'ctl_ann'), 'the host to see Ann');
    const annMe = ann.session.me.getSnapshot();
    assert.equal(annMe.you?.role, 'listener');
    assert.equal(annMe.moderator || annMe.onStage, false);
  });

  it('a listener joining changes the audience slice only', async () => {
    const stage = host.session.stage.getSnapshot();
    const chat = host.session.chat.getSnapshot();
    const me = host.session.me.getSnapshot();
    const details = host.session.details.getSnapshot();
    const audience = host.session.audience.getSnapshot();
    const guest = viewer({ guestSecret: `ctlguest${process.pid}`.padEnd(16, 'x') });
    await live(guest);
    await when(host.session.audience, (a) => a.listenerCount === audience.listenerCount + 1, 'the host to count the guest');
    assert.notEqual(host.session.audience.getSnapshot(), audience);
    assert.equal(host.session.stage.getSnapshot(), stage, 'the stage slice kept its identity');
    assert.equal(host.session.chat.getSnapshot(), chat);
    assert.equal(host.session.me.getSnapshot(), me);
    assert.equal(host.session.details.getSnapshot(), details);
    assert.equal(guest.session.me.getSnapshot().guest, true);
    // Listeners learn of the audience lazily; Ann too, before the guest goes (the next test needs her settled).
    await when(ann.session.audience, (a) => a.listeners.some((p) => p.guest), 'Ann to see the guest');

    // And leaving shrinks it again, everything else as it was.
    await guest.session.leave();
    await when(host.session.audience, (a) => a.listenerCount === audience.listenerCount, 'the guest to be gone');
    assert.equal(host.session.stage.getSnapshot(), stage);
    await when(ann.session.audience, (a) => !a.listeners.some((p) => p.guest), 'Ann to see the guest gone');
  });

  it('a comment changes the chat slice only, at everyone', async () => {
    const stage = ann.session.stage.getSnapshot();
    const audience = ann.session.audience.getSnapshot();
    const me = ann.session.me.getSnapshot();
    assert.equal(await host.session.sendComment('hello from the host'), true);
    const chat = await when(ann.session.chat, (c) => c.some((x) => x.text === 'hello from the host'), 'Ann to get the comment');
    assert.equal(chat.at(-1)?.handle, 'ctl_host');
    assert.equal(ann.session.stage.getSnapshot(), stage);
    assert.equal(ann.session.audience.getSnapshot(), audience);
    assert.equal(ann.session.me.getSnapshot(), me);
  });

  it('a request to speak, approved, moves Ann from the requests onto the stage', async () => {
    const chat = host.session.chat.getSnapshot();
    assert.equal(await ann.session.act({ action: 'requestToSpeak' }), true);
    const { requests } = await when(host.session.audience, (a) => a.requests.length === 1, 'the host to see the request');
    assert.equal(requests[0]!.handle, 'ctl_ann');
    assert.equal(await host.session.act({ action: 'approve', userId: requests[0]!.userId }), true);
    await when(host.session.stage, (s) => s.some((p) => p.handle === 'ctl_ann' && p.role === 'speaker'), 'Ann on stage at the host');
    await when(host.session.audience, (a) => a.requests.length === 0, 'the request to be gone');
    const annMe = await when(ann.session.me, (m) => m.onStage, 'Ann to be on stage');
    assert.equal(annMe.you?.role, 'speaker');
    assert.equal(annMe.you?.muted, true, 'no hot mic: Ann comes on stage muted');
    assert.equal(host.session.chat.getSnapshot(), chat, 'the chat slice kept its identity');
  });

  it("what each may do to the other comes from the domain's rules", async () => {
    const annOnStage = host.session.stage.getSnapshot().find((p) => p.handle === 'ctl_ann')!;
    assert.deepEqual(
      host.session.personMenu(annOnStage).map((i) => i.action),
      ['mute', 'moveToAudience', 'makeCohost', 'remove'],
    );
    const hostPerson = ann.session.stage.getSnapshot().find((p) => p.role === 'host')!;
    assert.deepEqual(ann.session.personMenu(hostPerson), [], 'a speaker has no menu on the host');

    // As a co-host Ann mutes other people but still cannot touch the host.
    assert.equal(await host.session.act({ action: 'makeCohost', userId: annOnStage.userId }), true);
    await when(ann.session.me, (m) => m.moderator && m.you?.role === 'cohost', 'Ann to be a co-host');
    assert.deepEqual(ann.session.personMenu(ann.session.stage.getSnapshot().find((p) => p.role === 'host')!), []);
    const annAsCohost = host.session.stage.getSnapshot().find((p) => p.handle === 'ctl_ann')!;
    assert.deepEqual(
      host.session.personMenu(annAsCohost).map((i) => i.action),
      ['mute', 'moveToAudience', 'removeCohost', 'remove'],
    );
  });

  it('pinning shows in the pinned slice at once; a pin the server refuses is undone', async () => {
    const annId = ann.session.me.getSnapshot().me!.userId;
    const stageVideo = host.session.stageVideo.getSnapshot();
    assert.equal(await host.session.pin(annId), true);
    assert.equal(host.session.pinned.getSnapshot(), annId);
    assert.equal(await host.session.pin('nobody-here'), false, 'only someone on stage can be pinned');
    assert.equal(host.session.pinned.getSnapshot(), annId, 'back to the pin the server holds');
    assert.equal(await host.session.pin(null), true);
    assert.equal(host.session.pinned.getSnapshot(), null);
    assert.equal(host.session.stageVideo.getSnapshot(), stageVideo, 'no camera is on: the stage video did not change');
  });

  it('reactions reach the listeners of every session and change no slice', async () => {
    const chat = ann.session.chat.getSnapshot();
    const stage = ann.session.stage.getSnapshot();
    let stop = () => {};
    const batch = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a reactions batch')), 15_000);
      const off = ann.session.onReactions((items) => {
        clearTimeout(timer);
        resolve(items);
      });
      stop = off;
    });
    host.session.react('🔥');
    assert.deepEqual(await batch, [{ emoji: '🔥', count: 1 }]);
    stop();
    assert.equal(ann.session.chat.getSnapshot(), chat);
    assert.equal(ann.session.stage.getSnapshot(), stage);
  });

  it('a refused request becomes a notice, in the chat its own words', async () => {
    const before = ann.notices.length;
    assert.equal(await ann.session.act({ action: 'setRecording', on: true }), false, 'only the host records');
    assert.equal(ann.notices.length, before + 1);
    assert.equal(await ann.session.sendComment('x'.repeat(5000)), false);
    assert.match(ann.notices.at(-1)!, /^Comments are 1 to \d+ characters/);
  });

  it('a dropped connection comes back by itself, with the same role and the history', async () => {
    const statuses: string[] = [];
    const off = ann.session.connection.subscribe(() => statuses.push(ann.session.connection.getSnapshot().status));
    ann.sockets.at(-1)!.terminate();
    await when(ann.session.connection, (c) => c.status === 'reconnecting', 'Ann to be reconnecting');
    await when(ann.session.connection, (c) => c.status === 'connected', 'Ann to be back');
    off();
    assert.deepEqual(statuses, ['reconnecting', 'connected']);
    assert.equal(ann.session.connection.getSnapshot().phase, 'live');
    await when(ann.session.chat, (c) => c.some((x) => x.text === 'hello from the host'), 'the history again');
    await when(ann.session.me, (m) => m.you?.role === 'cohost', 'Ann still a co-host');
  });

  it('the same account joining elsewhere ends this session as replaced, without reconnecting', async () => {
    const sockets = ann.sockets.length;
    const elsewhere = viewer({ token: annApi.token! });
    await live(elsewhere);
    const c = await when(ann.session.connection, (x) => x.phase === 'replaced', 'Ann to be replaced');
    assert.equal(c.status, 'closed');
    assert.equal(ann.sockets.length, sockets, 'no reconnect after a final close');
    ann = elsewhere;
  });

  it('a scheduled Space is shown from its summary and joined once it goes live', async () => {
    const scheduled = await hostApi.createSpace('Later', new Date(Date.now() + 3_600_000));
    const early = viewer({ token: annApi.token! }, scheduled.id);
    const details = await when(early.session.details, (d) => d.summary?.id === scheduled.id, 'the summary over REST');
    assert.equal(details.joined, false);
    assert.equal(early.session.connection.getSnapshot().phase, 'scheduled');
    await hostApi.startSpace(scheduled.id);
    await live(early);
    assert.equal(early.session.details.getSnapshot().joined, true);
  });

  it('the host ending the Space ends every session', async () => {
    assert.equal(await host.session.act({ action: 'end' }), true);
    await when(ann.session.connection, (c) => c.phase === 'ended', 'Ann to see the end');
    await when(host.session.connection, (c) => c.phase === 'ended', 'the host to see the end');
  });
});
