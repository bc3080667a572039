// The live state survives the server: after kill -9 of the whole server (and after a graceful
// SIGTERM restart), on SQLite and on PostgreSQL, everyone comes back by themselves in the same
// place: the host, the co-host, a speaker a moderator muted, a listener's pending request, an
// invitation, and a plain listener. Nothing of the killed server's process tree is left behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { randomMediaPort } from '../helpers/server.js';
import nodeDataChannel from 'node-datachannel';
import { approveLive } from '../../src/bots/ndc-participant.js';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`live state across a server restart (${backend})`, () => {
    let dataDir: string;
    let db: TestDatabase | null = null;
    let port: number;
    let mediaPort: number;
    let proc: ServerProcess;
    let spaceId: string;
    const people: Record<'host' | 'cohost' | 'speaker' | 'requester' | 'invitee' | 'listener', TestParticipant> = {} as never;
    const welcomes = new Map<TestParticipant, number>();

    const start = async () => {
      proc = await spawnServer({ dataDir, port, mediaPort, ...(db ? { databaseUrl: db.url } : {}) });
    };

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'spaces-restart-'));
      if (backend === 'postgres') db = await createTestDatabase();
      port = await freePort();
      mediaPort = randomMediaPort();
      await start();
      const server = { url: proc.url };
      const hostApi = await account(server);
      spaceId = (await hostApi.createSpace('Survives restarts')).id;
      const enter = async (role: keyof typeof people, guest = false) => {
        const p = await joinSpace(server, spaceId, guest ? { guest: true, canPublish: false } : { api: role === 'host' ? hostApi : await account(server) });
        welcomes.set(p, 0);
        p.signalling.on('welcome', () => welcomes.set(p, (welcomes.get(p) ?? 0) + 1));
        people[role] = p;
        await waitFor(() => p.state.you !== null, 5000, 'the first state');
        return p;
      };
      const host = await enter('host');
      const id = (p: TestParticipant) => p.state.you!.userId;
      const cohost = await enter('cohost');
      await host.signalling.act({ action: 'makeCohost', userId: id(cohost) });
      // Made co-host from the audience, so on stage muted: live once they unmute.
      await cohost.signalling.act({ action: 'setMicMuted', muted: false });
      const speaker = await enter('speaker');
      await speaker.signalling.act({ action: 'requestToSpeak' });
      await approveLive(cohost, speaker);
      await host.signalling.act({ action: 'mute', userId: id(speaker) });
      await speaker.signalling.act({ action: 'setCamera', on: true });
      const requester = await enter('requester');
      await requester.signalling.act({ action: 'requestToSpeak' });
      const invitee = await enter('invitee');
      await host.signalling.act({ action: 'invite', userId: id(invitee) });
      await enter('listener', true);
      await waitFor(() => host.state.space?.requests.length === 1 && invitee.state.invited, 5000, 'the state settled');
    });

    after(async () => {
      for (const p of Object.values(people)) p.close();
      await proc?.stop().catch(() => undefined);
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      // The bots' node-datachannel threads keep this process alive until the library is cleaned up.
      nodeDataChannel.cleanup();
    });

    const expectSamePlaces = async (label: string) => {
      // Every client reconnects by itself and is welcomed again by the new server.
      await waitFor(
        () => Object.values(people).every((p) => (welcomes.get(p) ?? 0) > 0 && p.signalling.status === 'connected'),
        60_000,
        `${label}: everyone back`,
      );
      const { host, cohost, speaker, requester, invitee, listener } = people;
      await waitFor(() => host.state.space?.stage.length === 3 && host.state.space.requests.length === 1, 10_000, `${label}: the stage and requests`);
      const stage = host.state.space!.stage.map((p) => [p.userId, p.role, p.muted, p.camera]);
      assert.deepEqual(stage, [
        [host.state.you!.userId, 'host', false, false],
        [cohost.state.you!.userId, 'cohost', false, false],
        [speaker.state.you!.userId, 'speaker', true, true],
      ]);
      assert.deepEqual(
        host.state.space!.requests.map((p) => p.userId),
        [requester.state.you!.userId],
      );
      assert.equal(speaker.state.you?.muted, true, 'still muted by the host');
      assert.equal(requester.state.you?.requested, true);
      assert.equal(invitee.state.invited, true, 'the invitation still stands');
      assert.equal(listener.state.you?.role, 'listener');
      assert.equal(host.state.space!.state, 'live');
      for (const p of Object.values(people)) welcomes.set(p, 0);
    };

    it('kill -9: everyone comes back in the same place, and nothing of the old server lingers', async (t) => {
      const { lingeringMs } = await proc.kill9();
      t.diagnostic(`the killed server's workers and encoders were gone ${lingeringMs} ms after kill -9`);
      const killedAt = performance.now();
      await start();
      await expectSamePlaces('after kill -9');
      t.diagnostic(`everyone back in place ${(performance.now() - killedAt).toFixed(0)} ms after kill -9 (restart included)`);
    });

    it('SIGTERM and a new server: the same', async () => {
      await proc.stop();
      await start();
      await expectSamePlaces('after SIGTERM');
    });
  });
}
