// Chat and reactions against a real server with node-datachannel participants: comments reach
// everyone and a joiner's history; per-person rate limits refuse the one too many and nobody
// receives it; a deleted comment vanishes from every view, from GET /comments and from a
// joiner's history; a removed person can neither comment nor rejoin; reactions arrive in
// batches and are rate-limited; invalid messages change nothing. Comments survive a restart,
// and a recorded Space's replay shows them on the recording's clock.
//
// "Nobody received it" is shown with a barrier rather than a wait: every comment broadcast of
// a Space goes out in one order over ordered sockets, so once everyone has a comment posted
// after the refused one, the refused one would already have arrived.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, sleep, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import type { ReactionEmoji, ServerMessage } from '../../src/protocol/messages.js';
import { ApiClient } from '../../src/sdk/api.js';

type Coded = Error & { code?: string };
const hasCode = (code: string) => (err: Coded) => {
  assert.equal(err.code, code, err.message);
  return true;
};
const texts = (p: TestParticipant) => p.comments.map((c) => c.text);
const received = (p: TestParticipant, text: string) =>
  p.chatLog.some((m) => (m.type === 'comment' && m.comment.text === text) || (m.type === 'comments' && m.comments.some((c) => c.text === text)));

/** Posts, waiting out the poster's own rate limit if needed (barriers are posted often). */
async function postEventually(p: TestParticipant, text: string): Promise<void> {
  for (;;) {
    try {
      return await p.signalling.comment(text);
    } catch (err) {
      if ((err as Coded).code !== 'rate_limited') throw err;
      await sleep(250);
    }
  }
}

let barriers = 0;
/** A comment everyone must have: everything broadcast before it has arrived too. */
async function barrier(from: TestParticipant, everyone: TestParticipant[]): Promise<void> {
  const text = `barrier ${++barriers}`;
  await postEventually(from, text);
  await waitFor(() => everyone.every((p) => texts(p).includes(text)), 5000, text);
}

/** A raw WebSocket that records every server message. */
async function rawSocket(server: RunningServer): Promise<{ ws: WebSocket; messages: ServerMessage[] }> {
  const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws');
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ServerMessage));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, messages };
}

describe('chat and reactions', () => {
  let server: RunningServer;
  let spaceId: string;
  let hostApi: ApiClient;
  let host: TestParticipant;
  let listener: TestParticipant;
  let guest: TestParticipant;
  const opened: TestParticipant[] = [];
  const join = async (...args: Parameters<typeof joinSpace>) => {
    const p = await joinSpace(...args);
    opened.push(p);
    return p;
  };
  const everyone = () => [host, listener, guest];

  before(async () => {
    server = await startTestServer();
    hostApi = await account(server, 'chat_host');
    spaceId = (await hostApi.createSpace('Chatty')).id;
    host = await join(server, spaceId, { api: hostApi, canPublish: false });
    listener = await join(server, spaceId, { api: await account(server, 'chat_listener'), canPublish: false });
    guest = await join(server, spaceId, { guest: true, canPublish: false });
  });

  after(async () => {
    for (const p of opened) p.close();
    await server?.close();
  });

  it('a comment reaches everyone, guests included; a joiner gets the history; GET /comments has them', async () => {
    await listener.signalling.comment('  Hello, Space!  ');
    await guest.signalling.comment('A guest says hi 👋');
    await host.signalling.comment('Welcome, both of you');
    const expected = ['Hello, Space!', 'A guest says hi 👋', 'Welcome, both of you'];
    await waitFor(() => everyone().every((p) => texts(p).length >= 3), 5000, 'three comments everywhere');
    for (const p of everyone()) assert.deepEqual(texts(p), expected, `${p.handle}'s list`);

    const [first, second] = host.comments;
    assert.equal(first!.userId, listener.state.you!.userId);
    assert.equal(first!.handle, listener.handle);
    assert.equal(second!.userId, guest.state.you!.userId);
    assert.match(first!.id, /^[A-Za-z0-9_-]+$/);
    assert.equal(new Date(first!.at).toISOString(), first!.at);
    // Everyone sees the same ids.
    assert.deepEqual(listener.comments, host.comments);
    assert.deepEqual(guest.comments, host.comments);

    const late = await join(server, spaceId, { guest: true, canPublish: false });
    await waitFor(() => late.chatLog.length > 0, 5000, 'history');
    assert.equal(late.chatLog[0]!.type, 'comments', 'the history is the first chat message');
    assert.deepEqual(late.comments, host.comments);
    late.close();

    const page = await hostApi.listComments(spaceId);
    assert.deepEqual(page.comments, host.comments);
    assert.equal(page.nextBefore, null);
  });

  it('GET /comments pages back with nextBefore, and refuses a bad cursor or an unknown Space', async () => {
    const all = (await hostApi.listComments(spaceId, { limit: 200 })).comments;
    const pages: string[][] = [];
    let before: string | undefined;
    for (;;) {
      const page = await hostApi.listComments(spaceId, { limit: 2, ...(before ? { before } : {}) });
      pages.unshift(page.comments.map((c) => c.id));
      if (!page.nextBefore) break;
      before = page.nextBefore;
    }
    assert.deepEqual(
      pages.flat(),
      all.map((c) => c.id),
    );
    assert.ok(pages.length >= 2);
    await assert.rejects(hostApi.listComments(spaceId, { before: 'nonsense' }), hasCode('bad_request'));
    await assert.rejects(hostApi.listComments(spaceId, { limit: 0 }), hasCode('bad_request'));
    await assert.rejects(hostApi.listComments('noSuchSpace'), hasCode('space_not_found'));
  });

  it('rate limit: the fourth comment in a burst is refused and nobody receives it; the limit follows the person, not the connection', async () => {
    const chattyApi = await account(server, 'chat_chatty');
    const chatty = await join(server, spaceId, { api: chattyApi, canPublish: false });
    const results = await Promise.allSettled(['one', 'two', 'three', 'four'].map((t) => chatty.signalling.comment(`chatty ${t}`)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
    );
    assert.equal(((results[3] as PromiseRejectedResult).reason as Coded).code, 'rate_limited');

    // A new connection of the same person (it replaces the first) gets no fresh allowance:
    // three more at once cannot all pass (a fresh bucket would take them all).
    const again = await join(server, spaceId, { api: chattyApi, canPublish: false });
    const second = await Promise.allSettled(['five', 'six', 'seven'].map((t) => again.signalling.comment(`chatty ${t}`)));
    const refused = second.filter((r) => r.status === 'rejected');
    assert.ok(refused.length >= 1, 'the same person is still limited after reconnecting');
    for (const r of refused) assert.equal(((r as PromiseRejectedResult).reason as Coded).code, 'rate_limited');
    // And repeating one's last comment is refused however long one waited for tokens.
    const lastAccepted = ['five', 'six', 'seven'].filter((_, i) => second[i]!.status === 'fulfilled').at(-1) ?? 'three';
    await assert.rejects(again.signalling.comment(`Chatty  ${lastAccepted.toUpperCase()}`), (err: Coded) => {
      assert.equal(err.code, 'rate_limited');
      assert.match(err.message, /just posted/);
      return true;
    });

    await barrier(host, [...everyone(), again]);
    const refusedTexts = ['chatty four', ...second.flatMap((r, i) => (r.status === 'rejected' ? [`chatty ${['five', 'six', 'seven'][i]}`] : []))];
    for (const p of [...everyone(), again]) {
      for (const t of refusedTexts) assert.equal(received(p, t), false, `${p.handle} must not have received "${t}"`);
    }
    const stored = (await hostApi.listComments(spaceId, { limit: 200 })).comments.map((c) => c.text);
    for (const t of refusedTexts) assert.equal(stored.includes(t), false, `"${t}" is not stored`);
    assert.ok(stored.includes('chatty three'));
  });

  it("a deleted comment vanishes from every view, from GET /comments and from a joiner's history", async () => {
    await postEventually(listener, 'please delete me');
    await waitFor(() => everyone().every((p) => texts(p).includes('please delete me')), 5000, 'the comment everywhere');
    const target = host.comments.find((c) => c.text === 'please delete me')!;
    const hostComment = host.comments.find((c) => c.userId === host.state.you!.userId)!;

    // Someone who may not: refused, and nothing changes.
    await assert.rejects(guest.signalling.deleteComment(hostComment.id), hasCode('not_permitted'));
    await assert.rejects(guest.signalling.deleteComment(target.id), hasCode('not_permitted'));
    await assert.rejects(host.signalling.deleteComment('noSuchComment'), hasCode('not_found'));

    await host.signalling.deleteComment(target.id);
    await waitFor(() => everyone().every((p) => !texts(p).includes('please delete me')), 5000, 'gone everywhere');
    for (const p of everyone()) {
      assert.ok(
        p.chatLog.some((m) => m.type === 'commentDeleted' && m.id === target.id),
        `${p.handle} was told`,
      );
      assert.ok(texts(p).includes(hostComment.text), 'the others stay');
    }
    const page = await hostApi.listComments(spaceId, { limit: 200 });
    assert.equal(
      page.comments.some((c) => c.id === target.id),
      false,
      'gone from GET /comments',
    );
    const late = await join(server, spaceId, { guest: true, canPublish: false });
    await waitFor(() => late.chatLog.length > 0, 5000, 'history');
    assert.equal(
      late.comments.some((c) => c.id === target.id),
      false,
      'gone from the history',
    );
    assert.deepEqual(late.comments, host.comments);
    late.close();
    await assert.rejects(host.signalling.deleteComment(target.id), hasCode('not_found'));

    // Anyone may delete their own, a guest included.
    await postEventually(guest, 'my own mistake');
    await waitFor(() => texts(guest).includes('my own mistake'), 5000, 'own comment');
    await guest.signalling.deleteComment(guest.comments.find((c) => c.text === 'my own mistake')!.id);
    await waitFor(() => everyone().every((p) => !texts(p).includes('my own mistake')), 5000, 'own comment gone');
  });

  it('a removed person can neither comment nor rejoin', async () => {
    const trollApi = await account(server, 'chat_troll');
    const troll = await join(server, spaceId, { api: trollApi, canPublish: false });
    await troll.signalling.comment('troll was here');
    await waitFor(() => texts(host).includes('troll was here'), 5000, 'troll comment');
    await host.signalling.act({ action: 'remove', userId: troll.state.you!.userId });
    await waitFor(() => troll.signalling.status === 'closed', 5000, 'troll disconnected');
    await assert.rejects(troll.signalling.comment('still here?'), hasCode('closed'));
    await assert.rejects(joinSpace(server, spaceId, { api: trollApi, canPublish: false }), hasCode('banned'));

    // Over a raw socket too: the join is refused, and a comment without a join is refused.
    const raw = await rawSocket(server);
    raw.ws.send(JSON.stringify({ type: 'join', rid: 'j', spaceId, token: trollApi.token }));
    raw.ws.send(JSON.stringify({ type: 'comment', rid: 'c', text: 'let me in' }));
    await waitFor(() => raw.messages.filter((m) => m.type === 'error').length >= 2, 5000, 'two refusals');
    const errors = raw.messages.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');
    assert.deepEqual(
      errors.map((e) => [e.rid, e.code]),
      [
        ['j', 'banned'],
        ['c', 'not_joined'],
      ],
    );
    raw.ws.close();

    await barrier(host, everyone());
    for (const p of everyone()) {
      assert.equal(received(p, 'still here?'), false);
      assert.equal(received(p, 'let me in'), false);
    }
    // Their earlier comment is still there until a moderator deletes it, which a co-host could too.
    assert.ok(texts(host).includes('troll was here'));
  });

  it('someone who comments and leaves can still be blocked: they cannot rejoin', async () => {
    const api = await account(server, 'chat_hit_and_run');
    const hitAndRun = await join(server, spaceId, { api, canPublish: false });
    await hitAndRun.signalling.comment('bye losers');
    await waitFor(() => texts(host).includes('bye losers') && hitAndRun.state.you !== null, 5000, 'their comment');
    const userId = hitAndRun.state.you!.userId;
    await hitAndRun.signalling.leave();
    await waitFor(() => !host.state.space!.listeners.some((p) => p.userId === userId), 5000, 'they left');
    await host.signalling.act({ action: 'remove', userId });
    await assert.rejects(joinSpace(server, spaceId, { api, canPublish: false }), hasCode('banned'));
    // A listener cannot block anyone, present or not.
    await assert.rejects(listener.signalling.act({ action: 'remove', userId: 'someone-else' }), hasCode('not_permitted'));
  });

  it('reactions reach everyone in batches, and the eleventh in a burst is refused and counted nowhere', async () => {
    const mark = new Map(everyone().map((p) => [p, p.reactions.length]));
    const totals = (p: TestParticipant) => {
      const sum = new Map<string, number>();
      for (const batch of p.reactions.slice(mark.get(p)!)) for (const i of batch.items) sum.set(i.emoji, (sum.get(i.emoji) ?? 0) + i.count);
      return sum;
    };
    const total = (p: TestParticipant) => [...totals(p).values()].reduce((a, b) => a + b, 0);

    const burst: ReactionEmoji[] = [...Array(6).fill('👏'), ...Array(5).fill('❤️')];
    const results = await Promise.allSettled(burst.map((e) => listener.signalling.react(e)));
    assert.deepEqual(
      results.map((r) => r.status),
      [...Array(10).fill('fulfilled'), 'rejected'],
    );
    assert.equal(((results[10] as PromiseRejectedResult).reason as Coded).code, 'rate_limited');
    await guest.signalling.react('🔥');
    await guest.signalling.react('🔥');
    await waitFor(() => everyone().every((p) => total(p) >= 12), 5000, 'the accepted reactions');
    // Barrier: a reaction sent after every earlier one was accepted arrives in a later or the same batch.
    await host.signalling.react('👍');
    await waitFor(() => everyone().every((p) => total(p) >= 13), 5000, 'the barrier reaction');
    for (const p of everyone()) {
      assert.deepEqual(Object.fromEntries(totals(p)), { '👏': 6, '❤️': 4, '🔥': 2, '👍': 1 }, `${p.handle}'s counts`);
      // 13 reactions, sent back to back, arrive coalesced: fewer messages than reactions.
      assert.ok(p.reactions.length - mark.get(p)! < 13, 'batched');
      for (const batch of p.reactions.slice(mark.get(p)!)) {
        assert.ok(batch.items.length > 0 && batch.items.every((i) => i.count > 0), 'no empty batches or zero counts');
      }
    }
  });

  it('invalid messages are refused with bad_message and change nothing', async () => {
    const before = (await hostApi.listComments(spaceId, { limit: 200 })).comments;
    const bad: Array<[string, unknown]> = [
      ['long', { type: 'comment', text: 'x'.repeat(281) }],
      ['long-emoji', { type: 'comment', text: '👍'.repeat(281) }],
      ['blank', { type: 'comment', text: '   \u00a0  ' }],
      ['empty', { type: 'comment', text: '' }],
      ['bell', { type: 'comment', text: 'ding\u0007' }],
      ['newline', { type: 'comment', text: 'two\nlines' }],
      ['bidi', { type: 'comment', text: 'evil\u202Etxt.exe' }],
      ['number', { type: 'comment', text: 42 }],
      ['missing', { type: 'comment' }],
      ['emoji', { type: 'react', emoji: '🤡' }],
      ['emoji-type', { type: 'react', emoji: 5 }],
      ['delete-id', { type: 'action', body: { action: 'deleteComment', commentId: '../etc' } }],
      ['delete-missing', { type: 'action', body: { action: 'deleteComment' } }],
      ['guest-switch', { type: 'action', body: { action: 'setGuestComments', on: 'no' } }],
    ];
    for (const [rid, msg] of bad) listener.signalling.sendRaw(JSON.stringify({ ...(msg as object), rid }));
    await waitFor(() => bad.every(([rid]) => listener.errors.some((e) => e.rid === rid)), 5000, 'every refusal');
    for (const [rid] of bad) assert.equal(listener.errors.find((e) => e.rid === rid)!.code, 'bad_message', rid);
    assert.match(listener.errors.find((e) => e.rid === 'long')!.message, /280/);

    // Exactly 280 characters is fine, counted as characters (emoji are one each), and text is trimmed.
    const edge = await join(server, spaceId, { api: await account(server, 'chat_edge'), canPublish: false });
    await edge.signalling.comment(`  ${'👍'.repeat(280)}  `);
    await barrier(host, [...everyone(), edge]);
    const after = (await hostApi.listComments(spaceId, { limit: 200 })).comments;
    assert.deepEqual(
      after.filter((c) => !before.some((b) => b.id === c.id)).map((c) => c.text),
      ['👍'.repeat(280), `barrier ${barriers}`],
    );
    for (const p of everyone()) assert.ok(!p.comments.some((c) => /ding|two\nlines|evil/.test(c.text)));
    assert.equal(host.state.space!.guestComments, true);
  });

  it('the host can turn guest comments off: guests are refused (reactions still work), others are not', async () => {
    await host.signalling.act({ action: 'setGuestComments', on: false });
    await waitFor(() => guest.state.space?.guestComments === false, 5000, 'guests see it off');
    await assert.rejects(guest.signalling.comment('can I?'), hasCode('not_permitted'));
    await assert.rejects(listener.signalling.act({ action: 'setGuestComments', on: true }), hasCode('not_permitted'));
    await guest.signalling.react('😮');
    await postEventually(listener, 'accounts still can');
    await host.signalling.act({ action: 'setGuestComments', on: true });
    await waitFor(() => guest.state.space?.guestComments === true, 5000, 'back on');
    await postEventually(guest, 'now I can');
    await waitFor(() => everyone().every((p) => texts(p).includes('now I can')), 5000, 'guest comment');
    assert.equal(received(host, 'can I?'), false);
  });

  it('counts comments and reactions in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    assert.ok(value('spaces_comments_total') >= 10, 'comments');
    assert.ok(value('spaces_comments_deleted_total') >= 2, 'deleted');
    assert.ok(value('spaces_reactions_total') >= 13, 'reactions');
    assert.ok(value('spaces_chat_rate_limited_total') >= 3, 'refused');
  });

  it('after the Space ends, its comments can still be read, and commenting is refused', async () => {
    const before = (await hostApi.listComments(spaceId, { limit: 200 })).comments;
    await host.signalling.act({ action: 'end' });
    await waitFor(() => listener.ended, 5000, 'ended');
    assert.deepEqual((await hostApi.listComments(spaceId, { limit: 200 })).comments, before);
    await assert.rejects(joinSpace(server, spaceId, { guest: true }), hasCode('space_ended'));
  });
});

describe('chat across a restart', () => {
  it('the history comes back, and a comment from before the restart can be deleted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spaces-chat-restart-'));
    const dirs = { dataDir, databaseUrl: join(dataDir, 'spaces.db') };
    let server = await startTestServer(dirs);
    const opened: TestParticipant[] = [];
    try {
      const hostApi = await account(server, 'chat_rs_host');
      const spaceId = (await hostApi.createSpace('Restarts')).id;
      const host = await joinSpace(server, spaceId, { api: hostApi, canPublish: false });
      opened.push(host);
      const listenerApi = await account(server, 'chat_rs_lis');
      const listener = await joinSpace(server, spaceId, { api: listenerApi, canPublish: false });
      opened.push(listener);
      await listener.signalling.comment('before the restart');
      await host.signalling.comment('me too');
      await waitFor(() => texts(host).length === 2, 5000, 'two comments');
      const ids = host.comments.map((c) => c.id);
      host.close();
      listener.close();
      await server.close();

      server = await startTestServer(dirs);
      // The same accounts (sessions survive: the signing secret is in the data directory), on the new port.
      const hostAgain = new ApiClient(server.url, hostApi.token);
      const back = await joinSpace(server, spaceId, { api: hostAgain, canPublish: false });
      opened.push(back);
      await waitFor(() => back.chatLog.length > 0, 5000, 'history');
      assert.deepEqual(
        back.comments.map((c) => c.id),
        ids,
      );
      assert.deepEqual(
        back.comments.map((c) => c.text),
        ['before the restart', 'me too'],
      );
      await back.signalling.deleteComment(ids[0]!);
      await waitFor(() => back.comments.length === 1, 5000, 'deleted');
      assert.deepEqual(
        (await hostAgain.listComments(spaceId)).comments.map((c) => c.id),
        [ids[1]],
      );
      // The author rules hold for comments the server learnt about from the store, too.
      const lis = await joinSpace(server, spaceId, { api: new ApiClient(server.url, listenerApi.token), canPublish: false });
      opened.push(lis);
      await assert.rejects(lis.signalling.deleteComment(ids[1]!), hasCode('not_permitted'));
    } finally {
      for (const p of opened) p.close();
      await server.close();
    }
  });
});

describe('comments in the replay', () => {
  it("a recorded Space's recording lists its comments on the recording's clock; deleted ones never", async () => {
    const server = await startTestServer();
    const opened: TestParticipant[] = [];
    try {
      const hostApi = await account(server, 'chat_rec_host');
      const spaceId = (await hostApi.createSpace('Recorded chat', undefined, { record: true })).id;
      const host = await joinSpace(server, spaceId, { api: hostApi });
      opened.push(host);
      const listener = await joinSpace(server, spaceId, { api: await account(server, 'chat_rec_lis'), canPublish: false });
      opened.push(listener);
      // Comment once the recording has media, so that the comments fall inside it.
      for (let i = 0; !(((await hostApi.getRecording(spaceId).catch(() => null))?.durationSec ?? 0) > 0); i++) {
        if (i > 150) throw new Error('the recording never got media');
        await sleep(200);
      }
      /** Waits until the recording has media past the comment `text` (the limit bounds a hang). */
      const recordedPast = (text: string) =>
        until(
          async () => {
            const rec = await hostApi.getRecording(spaceId);
            const atSec = rec.comments.find((c) => c.text === text)?.atSec;
            return atSec !== undefined && rec.durationSec > atSec ? true : undefined;
          },
          60_000,
          `the recording past "${text}"`,
          200,
        );
      await listener.signalling.comment('first, on the record');
      // Each comment goes in once the recording's clock has moved past the one before.
      await recordedPast('first, on the record');
      await host.signalling.comment('this one is deleted');
      await waitFor(() => texts(host).length === 2, 5000, 'two comments');
      await recordedPast('this one is deleted');
      await host.signalling.deleteComment(host.comments[1]!.id);
      await listener.signalling.comment('last word');
      await waitFor(() => texts(host).includes('last word'), 5000, 'last comment');
      const live = await hostApi.getRecording(spaceId);
      assert.deepEqual(
        live.comments.map((c) => c.text),
        ['first, on the record', 'last word'],
        'while recording, too',
      );
      await recordedPast('last word');
      await host.signalling.act({ action: 'end' });
      let rec = await hostApi.getRecording(spaceId);
      for (let i = 0; rec.state === 'recording' && i < 100; i++) {
        await sleep(200);
        rec = await hostApi.getRecording(spaceId);
      }
      assert.equal(rec.state, 'ready');
      assert.deepEqual(
        rec.comments.map((c) => c.text),
        ['first, on the record', 'last word'],
      );
      const [first, last] = rec.comments as [(typeof rec.comments)[0], (typeof rec.comments)[0]];
      assert.deepEqual(
        rec.comments.map(({ atSec: _atSec, ...c }) => c),
        host.comments,
        'the same comments as the participants saw',
      );
      assert.ok(first.atSec >= 0 && last.atSec <= rec.durationSec, `inside the recording: ${first.atSec}..${last.atSec} of ${rec.durationSec}`);
      assert.ok(last.atSec > first.atSec, "on the recording's clock, in order");
    } finally {
      for (const p of opened) p.close();
      await server.close();
    }
  });
});
