// Chaos: each case breaks something for real while people act in a Space, then checks that
// nothing the server acknowledged was lost and that the Space recovers.
//   - kill -9 of the whole server mid-Space, on SQLite and on PostgreSQL;
//   - kill -9 of a media worker;
//   - a full disk (a small tmpfs as the data directory);
//   - a flood of one Space's sockets from one address.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import nodeDataChannel from 'node-datachannel';
import { account, joinSpace, sleep, waitFor, type TestParticipant } from '../helpers/clients.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { randomMediaPort, startTestServer } from '../helpers/server.js';
import { Ledger, loop } from '../helpers/ledger.js';
import { SignallingError } from '../../src/sdk/signalling.js';
import type { ApiClient } from '../../src/sdk/api.js';
import type { CommentPage } from '../../src/protocol/messages.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

/** A Space with a host, a co-host candidate, two speakers and three listeners, acting all the time. */
class Cast {
  people: Record<string, TestParticipant> = {};
  ledger = new Ledger();
  private running = false;
  private loops: Promise<void>[] = [];
  hostApi!: ApiClient;
  spaceId!: string;

  async enter(url: string): Promise<void> {
    const server = { url };
    this.hostApi = await account(server);
    this.spaceId = (await this.hostApi.createSpace('Chaos')).id;
    const join = async (name: string) => {
      const p = await joinSpace(server, this.spaceId, name === 'host' ? { api: this.hostApi } : {});
      await waitFor(() => p.state.you !== null, 5000, `${name} in`);
      this.people[name] = p;
      return p;
    };
    const host = await join('host');
    for (const n of ['co', 's1', 's2']) {
      const p = await join(n);
      await p.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, p);
    }
    for (const n of ['l1', 'l2', 'l3']) await join(n);
    for (const n of ['l1', 'l2', 'l3']) this.ledger.know(`requested:${n}`, false);
    for (const n of ['s1', 's2']) this.ledger.know(`muted:${n}`, false);
    this.ledger.know('role:co', 'speaker');
    this.ledger.know('guestComments', true);
  }

  /** Everyone acts, each waiting for the answer to the last action before the next. */
  start(): void {
    this.running = true;
    const stop = () => !this.running;
    const { people, ledger } = this;
    const id = (n: string) => people[n]!.state.you!.userId;
    for (const n of ['l1', 'l2', 'l3']) {
      this.loops.push(
        loop(stop, (i) =>
          ledger.set(`requested:${n}`, i % 2 === 0, () => people[n]!.signalling.act({ action: i % 2 === 0 ? 'requestToSpeak' : 'cancelRequest' })),
        ),
      );
    }
    for (const n of ['s1', 's2']) {
      this.loops.push(loop(stop, (i) => ledger.set(`muted:${n}`, i % 2 === 0, () => people[n]!.signalling.act({ action: 'setMicMuted', muted: i % 2 === 0 }))));
    }
    this.loops.push(
      loop(stop, async (i) => {
        await ledger.set('role:co', i % 2 === 0 ? 'cohost' : 'speaker', () =>
          people.host!.signalling.act({ action: i % 2 === 0 ? 'makeCohost' : 'removeCohost', userId: id('co') }),
        );
        await ledger.set('guestComments', i % 2 === 1, () => people.host!.signalling.act({ action: 'setGuestComments', on: i % 2 === 1 }));
      }),
    );
    for (const n of ['s1', 'l1']) {
      // Paced under the per-person comment rate, so that most are acknowledged.
      this.loops.push(
        loop(stop, (i) => ledger.comment(`chaos ${n} ${i} ${process.pid}`, () => people[n]!.signalling.comment(`chaos ${n} ${i} ${process.pid}`)), 1100),
      );
    }
  }

  /** Stops acting; what is in flight stays unknown. */
  stop(): void {
    this.running = false;
    this.ledger.stop();
  }

  async settle(): Promise<void> {
    this.stop();
    await Promise.all(this.loops);
  }

  /** Every key is at its last acknowledged value, or at the one that was in flight. */
  async verify(url: string, label: string): Promise<void> {
    const host = this.people.host!;
    const id = (n: string) => this.people[n]!.state.you!.userId;
    await waitFor(
      () => Object.values(this.people).every((p) => p.signalling.status === 'connected') && host.state.space?.stage.length === 4,
      60_000,
      `${label}: everyone back`,
    );
    const observed = (): Record<string, unknown> => {
      const space = host.state.space!;
      return {
        'requested:l1': space.requests.some((p) => p.userId === id('l1')),
        'requested:l2': space.requests.some((p) => p.userId === id('l2')),
        'requested:l3': space.requests.some((p) => p.userId === id('l3')),
        'muted:s1': space.stage.find((p) => p.userId === id('s1'))?.muted,
        'muted:s2': space.stage.find((p) => p.userId === id('s2'))?.muted,
        'role:co': space.stage.find((p) => p.userId === id('co'))?.role,
        guestComments: space.guestComments,
      };
    };
    // The latest state broadcast may still be on its way: wait until the state is one the
    // ledger allows (the limit bounds a hang), then check it, so a wrong one fails by name.
    const fits = () => {
      const now = observed();
      return this.ledger.keys().every((key) => this.ledger.allowed(key).includes(now[key]));
    };
    await waitFor(fits, 30_000, `${label}: a state the ledger allows`).catch(() => undefined);
    const actual = observed();
    for (const key of this.ledger.keys()) {
      assert.ok(
        this.ledger.allowed(key).includes(actual[key]),
        `${label}: ${key} is ${String(actual[key])}, acknowledged: ${JSON.stringify(this.ledger.allowed(key))}`,
      );
    }
    const page = (await (await fetch(`${url}/api/spaces/${this.spaceId}/comments?limit=200`)).json()) as CommentPage;
    const stored = new Set(page.comments.map((c) => c.text));
    for (const text of this.ledger.ackedComments) assert.ok(stored.has(text), `${label}: acknowledged comment "${text}" lost`);
    assert.ok(this.ledger.acks > 20, `${label}: enough was acknowledged to mean something (${this.ledger.acks})`);
  }

  close(): void {
    for (const p of Object.values(this.people)) p.close();
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`chaos: kill -9 of the server mid-Space (${backend})`, () => {
    let dataDir: string;
    let db: TestDatabase | null = null;
    let proc: ServerProcess;
    const cast = new Cast();

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'spaces-chaos-'));
      if (backend === 'postgres') db = await createTestDatabase();
    });

    after(async () => {
      cast.close();
      await proc?.stop().catch(() => undefined);
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      nodeDataChannel.cleanup();
    });

    it('nothing acknowledged is lost, and everyone is back in place', async (t) => {
      const options = { dataDir, port: await freePort(), mediaPort: randomMediaPort(), ...(db ? { databaseUrl: db.url } : {}) };
      proc = await spawnServer(options);
      await cast.enter(proc.url);
      cast.start();
      // Enough acknowledged to mean something (verify checks the same), however slow the machine.
      await waitFor(() => cast.ledger.acks > 20, 60_000, 'actions acknowledged');
      cast.stop();
      await proc.kill9();
      proc = await spawnServer(options);
      await cast.verify(proc.url, `after kill -9 (${backend})`);
      t.diagnostic(`${cast.ledger.acks} actions acknowledged, ${cast.ledger.refusals} refused, before kill -9`);
    });
  });
}

describe('chaos: kill -9 of a media worker mid-Space', () => {
  it('nothing acknowledged is lost, and the stage is heard again', async (t) => {
    const server = await startTestServer({ mediaWorkers: 2 });
    const cast = new Cast();
    try {
      await cast.enter(server.url);
      // The host talks throughout (the speakers' mutes are part of the chaos).
      const host = cast.people.host!;
      host.peer.setTalking(true);
      host.peer.startSending();
      const listeners = ['l1', 'l2', 'l3'].map((n) => cast.people[n]!);
      await waitFor(() => listeners.every((l) => l.peer.packetsFromTag(0) > 0 || l.peer.totalPackets() > 0), 20_000, 'the speaker heard');
      cast.start();
      await waitFor(() => cast.ledger.acks > 10, 60_000, 'actions acknowledged before the kill');
      process.kill(server.media.pidOf(0)!, 'SIGKILL');
      const heard = listeners.map((l) => l.peer.totalPackets());
      const acksAtKill = cast.ledger.acks;
      await waitFor(() => cast.ledger.acks > acksAtKill + 10, 60_000, 'actions acknowledged after the kill');
      await cast.settle();
      await waitFor(() => listeners.every((l, i) => l.peer.totalPackets() > heard[i]! + 25), 30_000, 'everyone hears the stage again');
      await cast.verify(server.url, 'after a media worker died');
      assert.equal(server.media.status()[0]!.restarts, 1);
      t.diagnostic(`${cast.ledger.acks} actions acknowledged around the worker's death`);
    } finally {
      cast.close();
      await server.close();
    }
  });
});

/** A tmpfs of `mb` MiB at a fresh directory, or null when this process may not mount one. */
function mountTmpfs(mb: number): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'spaces-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

/** Fills a filesystem up to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const chunk = Buffer.alloc(256 * 1024, 1);
  let data = Buffer.alloc(0);
  for (;;) {
    try {
      data = Buffer.concat([data, chunk]);
      writeFileSync(path, data);
    } catch {
      // The last chunk did not fit: top it up byte-wise would take long; 4 KiB steps will do.
      for (let step = 64 * 1024; step >= 4096; step /= 2) {
        for (;;) {
          try {
            writeFileSync(path, Buffer.alloc(step, 1), { flag: 'a' });
          } catch {
            break;
          }
        }
      }
      return path;
    }
  }
}

describe('chaos: a full disk', () => {
  let mount: string | null = null;
  let proc: ServerProcess | null = null;
  const people: TestParticipant[] = [];

  after(async () => {
    for (const p of people) p.close();
    await proc?.stop().catch(() => undefined);
    if (mount) {
      execFileSync('umount', [mount], { stdio: 'ignore' });
      rmSync(mount, { recursive: true, force: true });
    }
    // The bots' node-datachannel threads, as after the other cases with a server of its own.
    nodeDataChannel.cleanup();
  });

  it('an action that cannot be stored is refused and undone; once there is room, it works and survives a restart', async (t) => {
    mount = mountTmpfs(24);
    if (!mount) return t.skip('mounting a tmpfs needs root (CI runs as root)');
    const options = { dataDir: join(mount, 'data'), port: await freePort(), mediaPort: randomMediaPort(), env: { SPACES_HLS_MODE: 'off' } };
    proc = await spawnServer(options);
    const server = { url: proc.url };
    const hostApi = await account(server);
    const { id: spaceId } = await hostApi.createSpace('Disk full');
    const host = await joinSpace(server, spaceId, { api: hostApi });
    const co = await joinSpace(server, spaceId);
    const listener = await joinSpace(server, spaceId);
    people.push(host, co, listener);
    await waitFor(() => !!(host.state.you && co.state.you && listener.state.you), 5000, 'everyone in');
    await host.signalling.act({ action: 'makeCohost', userId: co.state.you!.userId });
    await listener.signalling.act({ action: 'requestToSpeak' });
    await waitFor(() => host.state.space?.requests.length === 1, 5000, 'the request');

    const filler = fill(mount);
    const refusal = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof SignallingError, `refused, got ${String(err)}`);
      assert.equal(err.code, 'unavailable');
    };
    await refusal(host.signalling.act({ action: 'approve', userId: listener.state.you!.userId }));
    await refusal(host.signalling.act({ action: 'end' }));
    await refusal(listener.signalling.act({ action: 'cancelRequest' }));
    // A pause, kept: with the disk full no later change can be stored, so none can mark the
    // point by which a wrongly broadcast change would have arrived.
    await sleep(200);
    assert.equal(host.state.space!.state, 'live', 'the Space was not ended');
    assert.deepEqual(
      host.state.space!.requests.map((p) => p.userId),
      [listener.state.you!.userId],
      'the request still stands: nothing changed',
    );
    assert.equal(listener.state.you!.role, 'listener');
    const commented = await listener.signalling.comment('on a full disk').then(
      () => true,
      () => false,
    );
    assert.equal(commented, false, 'a comment that cannot be stored is refused');
    const failures = /^spaces_store_write_failures_total (\d+)$/m.exec(await (await fetch(`${proc.url}/metrics`)).text());
    assert.ok(Number(failures?.[1]) >= 3, `the failed writes are counted (${failures?.[1]})`);
    // Leaving cannot be refused: it takes effect now and is stored once there is room.
    await co.signalling.leave();
    co.close();

    rmSync(filler);
    await host.signalling.act({ action: 'approve', userId: listener.state.you!.userId });
    await waitFor(() => listener.state.you?.role === 'speaker', 5000, 'approved once there is room');
    // A pause, kept: the departure's write is retried within a few seconds, and nothing
    // outside the server shows when it was stored (the restart below is what checks it).
    await sleep(2500);
    await proc.kill9();
    proc = await spawnServer(options);
    const back = (await (await fetch(`${proc.url}/api/spaces/${spaceId}`)).json()) as { state: string; stage: Array<{ userId: string; role: string }> };
    assert.equal(back.state, 'live');
    await waitFor(() => host.signalling.status === 'connected' && listener.signalling.status === 'connected', 30_000, 'reconnected');
    await waitFor(() => (host.state.space?.stage.length ?? 0) >= 2, 10_000, 'the stage back');
    const stage = host.state.space!.stage.map((p) => p.userId);
    assert.ok(stage.includes(listener.state.you!.userId), 'the approval survived the restart');
    assert.ok(!stage.includes(co.state.you!.userId), 'the departure, stored late, survived too');
    await host.signalling.act({ action: 'end' });
    await proc.kill9();
    proc = await spawnServer(options);
    const ended = (await (await fetch(`${proc.url}/api/spaces/${spaceId}`)).json()) as { state: string };
    assert.equal(ended.state, 'ended', 'an acknowledged end stays ended after a restart');
  });
});

describe("chaos: a flood of one Space's sockets", () => {
  it("the limits hold, the flooders are turned away or closed, and the host's actions all land", async (t) => {
    const server = await startTestServer({
      limits: {
        signInPerMinute: 1000,
        signInFreeFailures: 5,
        signInMaxWaitSeconds: 60,
        signUpsPerHour: 1000,
        spacesPerHour: 100,
        liveSpacesPerAccount: 10,
        recordingsPerAccount: 2,
        socketsPerAddress: 60,
        joinTimeoutMs: 5000,
        idleTimeoutMs: 60_000,
      },
    });
    const sockets: WebSocket[] = [];
    const cast = new Cast();
    try {
      await cast.enter(server.url);
      const url = server.url.replace(/^http/, 'ws') + '/ws';
      const outcomes = { refused: 0, closedFlooding: 0, closedIdle: 0 };
      const open = () =>
        new Promise<WebSocket | null>((resolve) => {
          const ws = new WebSocket(url);
          ws.once('unexpected-response', (_req, res) => {
            if (res.statusCode === 429) outcomes.refused++;
            resolve(null);
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', () => resolve(null));
          ws.on('close', (code) => {
            if (code === 1008) outcomes.closedFlooding++;
            if (code === 4008) outcomes.closedIdle++;
          });
        });
      cast.start();
      // 120 sockets from one address (the cast holds 8): the limit is 60.
      for (let i = 0; i < 120; i++) {
        const ws = await open();
        if (ws) sockets.push(ws);
      }
      assert.ok(outcomes.refused >= 60, `sockets beyond the per-address limit refused with 429 (${outcomes.refused})`);
      // Half join and flood the Space; the rest never join.
      const flooders = sockets.slice(0, Math.floor(sockets.length / 2));
      let answered = 0;
      for (const ws of flooders) {
        ws.once('message', () => answered++);
        ws.send(JSON.stringify({ type: 'join', spaceId: cast.spaceId }));
      }
      await waitFor(() => answered === flooders.length, 30_000, 'the flooders joined');
      // Far over the per-connection rate (a burst of 40, then 200 refusals before the close).
      for (let round = 0; round < 300; round++)
        for (const ws of flooders) if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'react', emoji: '🔥' }));
      // The idle ones go at the join deadline (5 s: long enough that all 120 were tried first).
      await waitFor(() => outcomes.closedFlooding > 0 && outcomes.closedIdle > 0, 20_000, 'flooders and idlers closed');
      await cast.settle();
      await cast.verify(server.url, 'after the flood');
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string };
      assert.equal(health.status, 'ok');
      t.diagnostic(
        `refused ${outcomes.refused}, closed for flooding ${outcomes.closedFlooding}, closed for not joining ${outcomes.closedIdle}; ${cast.ledger.acks} actions acknowledged meanwhile`,
      );
    } finally {
      for (const ws of sockets) ws.terminate();
      cast.close();
      await server.close();
    }
  });
});
