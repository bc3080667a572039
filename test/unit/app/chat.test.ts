// The chat module (src/app/chat.ts) over a real domain Space and a real store (SQLite in
// memory), with a stand-in for LiveSpace that records broadcasts: what is stored, broadcast and
// kept as history agrees after posts, refusals and deletions; history refills after a
// deletion; reactions are counted into batches; an ended Space stops the batches.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { openDatabase, type Db } from '../../../src/store/database.js';
import { CommentStore } from '../../../src/store/comment-store.js';
import { ChatService, type SpaceChat } from '../../../src/app/chat.js';
import type { LiveSpace } from '../../../src/app/live-space.js';
import { Space, SpaceError, type SpaceEvent } from '../../../src/spaces/index.js';
import type { Action, ReactionEmoji, ServerMessage } from '../../../src/protocol/messages.js';
import { AppError } from '../../../src/app/app-error.js';

let n = 0;

/** Just what the chat uses of LiveSpace: the domain, its commands (act, comment, react), events and broadcasts. */
function fakeLive(): { live: LiveSpace; sent: ServerMessage[]; space: Space } {
  const space = new Space({ id: `sp${++n}`, title: 't', hostId: 'host', hostHandle: '@host', state: 'scheduled' });
  space.join({ userId: 'host', handle: '@host', guest: false }, Date.now());
  space.start('host', Date.now());
  for (const id of ['ann', 'bob']) space.join({ userId: id, handle: `@${id}`, guest: false }, Date.now());
  const sent: ServerMessage[] = [];
  const listeners: Array<(e: readonly SpaceEvent[]) => void> = [];
  const live = {
    space,
    act(userId: string, action: Action) {
      const events = space.act(userId, action, Date.now());
      for (const l of listeners) l(events);
    },
    comment(userId: string, commentId: string, now: number) {
      const events = space.comment(userId, commentId, now);
      for (const l of listeners) l(events);
    },
    react(userId: string, emoji: ReactionEmoji, now: number) {
      const events = space.react(userId, emoji, now);
      for (const l of listeners) l(events);
    },
    onEvents(l: (e: readonly SpaceEvent[]) => void) {
      listeners.push(l);
    },
    broadcastRaw(json: string) {
      sent.push(JSON.parse(json) as ServerMessage);
    },
  };
  return { live: live as unknown as LiveSpace, sent, space };
}

const of = <T extends ServerMessage['type']>(sent: ServerMessage[], type: T) => sent.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);

describe('chat module', () => {
  let db: Db;
  let store: CommentStore;
  const log = pino({ level: 'silent' });

  before(async () => {
    db = await openDatabase(':memory:');
    store = new CommentStore(db);
  });
  after(async () => {
    await db.destroy();
  });

  async function open(options = {}): Promise<{ chat: SpaceChat; sent: ServerMessage[]; space: Space; service: ChatService; live: LiveSpace }> {
    const service = new ChatService(store, log, { commentRate: 1000, commentBurst: 1000, ...options });
    const { live, sent, space } = fakeLive();
    return { chat: await service.open(live), sent, space, service, live };
  }

  it('open is once per live Space', async () => {
    const service = new ChatService(store, log);
    const { live } = fakeLive();
    assert.equal(await service.open(live), await service.open(live));
  });

  it('a post is stored, broadcast and kept as history, in that order of truth', async () => {
    const { chat, sent, space } = await open();
    const c = await chat.post('ann', 'hello');
    assert.deepEqual(of(sent, 'comment'), [{ type: 'comment', comment: c }]);
    assert.deepEqual(chat.recent(), [c]);
    assert.deepEqual(
      (await store.latest(space.id, 50)).map((r) => r.id),
      [c.id],
    );
    assert.equal(space.commentAuthor(c.id), 'ann');
  });

  it('a refused post (rate, duplicate, domain) is neither stored nor broadcast', async () => {
    const { chat, sent, space, service } = await open({ commentRate: 1, commentBurst: 1 });
    await chat.post('ann', 'one');
    await assert.rejects(chat.post('ann', 'two'), (e: unknown) => e instanceof AppError && e.code === 'rate_limited');
    await assert.rejects(
      chat.post('bob', ''.padEnd(3, 'x')).then(() => chat.post('bob', 'XXX')),
      (e: unknown) => e instanceof AppError && /just posted/.test(e.message),
    );
    await assert.rejects(chat.post('ghost', 'hi'), (e: unknown) => e instanceof SpaceError && e.code === 'not_found');
    assert.deepEqual(
      of(sent, 'comment').map((m) => m.comment.text),
      ['one', 'xxx'],
    );
    assert.deepEqual(
      (await store.latest(space.id, 50)).map((r) => r.text),
      ['one', 'xxx'],
    );
    assert.equal(service.counters.comments, 2);
    assert.equal(service.counters.rateLimited, 2);
  });

  it('a deletion leaves storage, history and everyone, and the history refills to its limit', async () => {
    const { chat, sent, space, live } = await open({ historyLimit: 3 });
    const posted = [];
    for (const t of ['a', 'b', 'c', 'd']) posted.push(await chat.post('ann', t));
    assert.deepEqual(
      chat.recent().map((c) => c.text),
      ['b', 'c', 'd'],
    );
    await chat.deleteComment('host', posted[2]!.id);
    assert.deepEqual(of(sent, 'commentDeleted'), [{ type: 'commentDeleted', id: posted[2]!.id }]);
    assert.deepEqual(
      chat.recent().map((c) => c.text),
      ['a', 'b', 'd'],
      'refilled from the store',
    );
    assert.equal(await store.get(space.id, posted[2]!.id), undefined);
    // Refused: nothing changes.
    await assert.rejects(chat.deleteComment('bob', posted[0]!.id), (e: unknown) => e instanceof SpaceError && e.code === 'not_permitted');
    assert.equal(of(sent, 'commentDeleted').length, 1);
    // Through LiveSpace.act directly (any path), the same happens.
    await live.act('host', { action: 'deleteComment', commentId: posted[0]!.id });
    await chat.deleteComment('ann', posted[1]!.id);
    assert.deepEqual(
      chat.recent().map((c) => c.text),
      ['d'],
    );
    assert.deepEqual(
      (await store.latest(space.id, 50)).map((r) => r.text),
      ['d'],
    );
  });

  it('a comment the domain forgot is looked up in the store before deciding', async () => {
    const { chat, space } = await open();
    await store.add({ id: 'old1', spaceId: space.id, userId: 'host', handle: '@host', text: 'old', createdAt: Date.now() - 60_000 });
    await store.add({ id: 'old2', spaceId: space.id, userId: 'bob', handle: '@bob', text: 'old', createdAt: Date.now() - 60_000 });
    await assert.rejects(chat.deleteComment('ann', 'old1'), (e: unknown) => e instanceof SpaceError && e.code === 'not_permitted');
    await chat.deleteComment('bob', 'old2');
    assert.equal(await store.get(space.id, 'old2'), undefined);
    await assert.rejects(chat.deleteComment('host', 'nope'), (e: unknown) => e instanceof SpaceError && e.code === 'not_found');
  });

  it('history is loaded from the store when a Space is opened again (a restart)', async () => {
    const first = await open();
    await first.chat.post('ann', 'kept');
    const service = new ChatService(store, log);
    const again = await service.open(first.live);
    assert.deepEqual(
      again.recent().map((c) => c.text),
      ['kept'],
    );
  });

  it('reactions: counted per emoji into one batch message; over the rate refused; nothing after the end', async () => {
    const { chat, sent, space, service, live } = await open({ reactionRate: 1, reactionBurst: 3, reactionBatchMs: 20 });
    chat.react('ann', '👏');
    chat.react('ann', '👏');
    chat.react('bob', '🔥');
    chat.react('ann', '❤️');
    assert.throws(
      () => chat.react('ann', '❤️'),
      (e: unknown) => e instanceof AppError && e.code === 'rate_limited',
    );
    assert.throws(
      () => chat.react('ghost', '❤️'),
      (e: unknown) => e instanceof SpaceError && e.code === 'not_found',
    );
    assert.equal(of(sent, 'reactions').length, 0, 'nothing before the batch closes');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(of(sent, 'reactions'), [
      {
        type: 'reactions',
        items: [
          { emoji: '👏', count: 2 },
          { emoji: '❤️', count: 1 },
          { emoji: '🔥', count: 1 },
        ],
      },
    ]);
    assert.equal(service.counters.reactions, 4);
    chat.react('bob', '👍');
    await live.act('host', { action: 'end' });
    assert.equal(space.state, 'ended');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(of(sent, 'reactions').length, 1, 'the pending batch died with the Space');
    assert.throws(
      () => chat.react('bob', '👍'),
      (e: unknown) => e instanceof SpaceError && e.code === 'space_ended',
    );
  });
});
