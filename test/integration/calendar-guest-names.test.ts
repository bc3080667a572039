// Issue 14, items 9 and 10 through a real server: a scheduled Space's .ics ("Add to calendar"),
// and a guest's display name as everyone else sees it (state and chat), changed and refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import type { ApiClient } from '../../src/sdk/api.js';
import { SignallingError } from '../../src/sdk/signalling.js';

describe('calendar and guest names', () => {
  let server: RunningServer;
  let hostApi: ApiClient;
  const people: TestParticipant[] = [];

  before(async () => {
    server = await startTestServer();
    hostApi = await account(server);
  });

  after(async () => {
    for (const p of people) p.close();
    await server?.close();
  });

  const ics = (id: string) => fetch(`${server.url}/api/spaces/${id}/calendar.ics`);

  it('serves a scheduled Space as an .ics event, and refuses live, ended and unknown ones', async () => {
    const at = new Date(Date.now() + 3_600_000);
    at.setUTCMilliseconds(0);
    const scheduled = await hostApi.createSpace('Plans, ideas; and \\ more', at);
    const res = await ics(scheduled.id);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/calendar/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="plans-ideas-and-more\.ics"/);
    const body = (await res.text()).replace(/\r\n /g, '');
    const stamp = at.toISOString().replace(/[-:]/g, '').replace('.000', '');
    assert.ok(body.includes(`DTSTART:${stamp}\r\n`), body);
    assert.ok(body.includes('SUMMARY:Plans\\, ideas\\; and \\\\ more\r\n'));
    assert.ok(body.includes(`URL:${server.url}/s/${scheduled.id}\r\n`));
    assert.ok(body.includes(`UID:space-${scheduled.id}@`));

    const live = await hostApi.createSpace('Now');
    assert.equal((await ics(live.id)).status, 409);
    assert.equal((await ics('no-such-space')).status, 404);
    const host = await joinSpace(server, live.id, { api: hostApi });
    people.push(host);
    await host.signalling.act({ action: 'end' });
    const ended = await ics(live.id);
    assert.equal(ended.status, 409);
    assert.equal(((await ended.json()) as { code: string }).code, 'space_ended');
  });

  it('shows a guest by the name they chose, marked a guest, and lets them change it', async () => {
    const space = await hostApi.createSpace('Guests');
    const host = await joinSpace(server, space.id, { api: hostApi });
    const guest = await joinSpace(server, space.id, { guest: true, guestName: '  Ana   (from Lisbon) ' });
    people.push(host, guest);
    const seen = (name: string) => host.state.space?.listeners.some((l) => l.guest && l.name === name && l.handle.startsWith('guest-')) ?? false;
    await waitFor(() => seen('Ana (from Lisbon)'), 10_000, 'the guest name in the host state');

    await guest.signalling.comment('hi all');
    await waitFor(() => host.comments.some((c) => c.text === 'hi all'), 10_000, 'the comment');
    assert.equal(host.comments.find((c) => c.text === 'hi all')?.name, 'Ana (from Lisbon)');

    // A bad name is refused with a reason and changes nothing.
    await assert.rejects(
      guest.signalling.setName('Ana\nAdmin'),
      (err: unknown) => err instanceof SignallingError && err.code === 'bad_message' && /control characters/.test(err.message),
    );
    await assert.rejects(guest.signalling.setName(' '.repeat(3)), (err: unknown) => err instanceof SignallingError && err.code === 'bad_message');
    await guest.signalling.setName('Ana B');
    await waitFor(() => seen('Ana B'), 10_000, 'the new name');
    assert.ok(!seen('Ana\nAdmin'));

    // Two guests may share a name: it is not a handle.
    const twin = await joinSpace(server, space.id, { guest: true, guestName: 'Ana B' });
    people.push(twin);
    await waitFor(() => (host.state.space?.listeners.filter((l) => l.name === 'Ana B').length ?? 0) === 2, 10_000, 'two guests named alike');
    // An account cannot take a guest name over its handle.
    await assert.rejects(host.signalling.setName('Someone else'), (err: unknown) => err instanceof SignallingError && err.code === 'not_permitted');
  });
});
