// The page's menus offer exactly what the server allows: who may mute, move, remove or make a
// co-host of whom, and whose comments a moderator may delete. Written out as the expected
// menus, role by role, so a change to the domain's rules (or a page that stops following
// them) shows up here as a changed menu.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { byStageOrder, canInvite, commentItemsFor, menuItemsFor, viewItemsFor } from '../../../web/src/lib/menus.js';
import type { PersonView, Role } from '../../../src/protocol/messages.js';

const person = (userId: string, role: Role, guest = false): PersonView => ({
  userId,
  handle: `@${userId}`,
  role,
  muted: false,
  camera: false,
  connected: true,
  requested: false,
  guest,
});

const actions = (viewer: Role | null, target: Role, guest = false) =>
  menuItemsFor(viewer ? person('viewer', viewer) : null, person('target', target, guest)).map((i) => i.action);

describe('person menu', () => {
  it('the host reaches everyone else', () => {
    assert.deepEqual(actions('host', 'cohost'), ['mute', 'moveToAudience', 'removeCohost', 'remove']);
    assert.deepEqual(actions('host', 'speaker'), ['mute', 'moveToAudience', 'makeCohost', 'remove']);
    assert.deepEqual(actions('host', 'listener'), ['makeCohost', 'remove']);
    assert.deepEqual(actions('host', 'listener', true), ['remove']);
  });

  it('a co-host mutes another co-host but cannot move, remove or mute the host', () => {
    assert.deepEqual(actions('cohost', 'host'), []);
    assert.deepEqual(actions('cohost', 'cohost'), ['mute']);
    assert.deepEqual(actions('cohost', 'speaker'), ['mute', 'moveToAudience', 'remove']);
    assert.deepEqual(actions('cohost', 'listener'), ['remove']);
  });

  it('speakers, listeners and a viewer not yet known get no menu', () => {
    for (const viewer of ['speaker', 'listener', null] as const) {
      for (const target of ['host', 'cohost', 'speaker', 'listener'] as const) assert.deepEqual(actions(viewer, target), [], `${viewer} on ${target}`);
    }
  });

  it('nobody gets a menu on themselves', () => {
    const host = person('h', 'host');
    assert.deepEqual(menuItemsFor(host, host), []);
  });
});

describe('comment menu', () => {
  const items = (viewer: Role, author: Role | null) =>
    commentItemsFor(person('viewer', viewer), 'author', author ? person('author', author) : null).map((i) => i.action);

  it('moderators delete and block those they outrank; an author who left ranks as a listener', () => {
    assert.deepEqual(items('host', 'cohost'), ['delete', 'block']);
    assert.deepEqual(items('cohost', 'host'), []);
    assert.deepEqual(items('cohost', 'cohost'), []);
    assert.deepEqual(items('cohost', 'speaker'), ['delete', 'block']);
    assert.deepEqual(items('cohost', null), ['delete', 'block']);
    assert.deepEqual(items('speaker', 'listener'), []);
  });

  it('anyone deletes their own', () => {
    const me = person('me', 'listener', true);
    assert.deepEqual(
      commentItemsFor(me, 'me', me).map((i) => i.action),
      ['delete'],
    );
  });
});

describe('other controls', () => {
  it('orders the stage host, co-hosts, speakers, stable within a role', () => {
    const people = [person('s1', 'speaker'), person('c1', 'cohost'), person('s2', 'speaker'), person('h', 'host'), person('c2', 'cohost')];
    assert.deepEqual(
      byStageOrder(people).map((p) => p.userId),
      ['h', 'c1', 'c2', 's1', 's2'],
    );
  });

  it('invites go to listeners with an account, from moderators', () => {
    assert.equal(canInvite(person('v', 'cohost'), person('t', 'listener')), true);
    assert.equal(canInvite(person('v', 'cohost'), person('t', 'listener', true)), false);
    assert.equal(canInvite(person('v', 'speaker'), person('t', 'listener')), false);
  });

  it('anyone pins someone else on stage, and unpins whom they pinned', () => {
    assert.deepEqual(viewItemsFor(null, person('t', 'speaker'), null), [{ action: 'pin', label: 'Pin @t' }]);
    assert.deepEqual(viewItemsFor(person('v', 'listener'), person('t', 'speaker'), 't'), [{ action: 'unpin', label: 'Unpin' }]);
    assert.deepEqual(viewItemsFor(person('v', 'host'), person('t', 'listener'), null), []);
  });
});
