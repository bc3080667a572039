// Benchmark: how long people are without the stage when something dies.
//
//   npm run bench:recovery [-- --trials 5]
//
// 1. Worker recovery. A Space with a host and a speaker talking, six WebRTC listeners and one
//    HLS listener; kill -9 of the primary media worker (it also taps the Space for HLS), then
//    the time until every listener and both speakers hear the stage again. With one media
//    worker everyone waits for its restart; with two, its peers move to the other at once.
// 2. Restart recovery. The server as its own process (SQLite, then PostgreSQL) with a host, a
//    co-host, a muted speaker, a pending request, an invitation and a listener; kill -9 of the
//    whole server, a new one on the same data, and the time until everyone is back in the same
//    place (by signalling), and until the listener hears the host again (WebRTC). The times
//    include the killed server's workers exiting (about a second) before the new one starts.
// Prints a table and a JSON line; times in ms from the kill.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeDataChannel from 'node-datachannel';
import { parseCommandLine } from '../src/cli/args.js';
import { startTestServer, randomMediaPort } from '../test/helpers/server.js';
import { account, joinSpace, sleep, waitFor, type TestParticipant } from '../test/helpers/clients.js';
import { freePort, spawnServer, type ServerProcess } from '../test/helpers/server-process.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { approveLive } from '../src/bots/ndc-participant.js';

const { flags } = parseCommandLine(process.argv.slice(2), { trials: 'string' });
const TRIALS = Number(flags.trials ?? 5);
const HEARD = 25;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function workerRecovery(mediaWorkers: number): Promise<number[]> {
  const server = await startTestServer({ mediaWorkers });
  const people: TestParticipant[] = [];
  try {
    const hostApi = await account(server);
    const { id } = await hostApi.createSpace('Recovery bench');
    const host = await joinSpace(server, id, { api: hostApi, tag: 1 });
    const speaker = await joinSpace(server, id, { tag: 2 });
    people.push(host, speaker);
    await waitFor(() => speaker.state.you !== null, 5000, 'speaker in');
    await speaker.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, speaker);
    const listeners: TestParticipant[] = [];
    for (let i = 0; i < 6; i++) listeners.push(await joinSpace(server, id, { guest: true, canPublish: false }));
    const hls = await joinSpace(server, id, { guest: true, canPublish: false });
    people.push(...listeners, hls);
    await hls.signalling.setTier('hls');
    await waitFor(() => [host, speaker, ...listeners].every((p) => p.peer.state === 'connected'), 30_000, 'connected');
    for (const s of [host, speaker]) {
      s.peer.setTalking(true);
      s.peer.startSending();
    }
    await waitFor(() => listeners.every((l) => l.peer.packetsFromTag(1) > HEARD && l.peer.packetsFromTag(2) > HEARD), 15_000, 'heard');
    const times: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const primary = server.media.primary ?? 0;
      const hears = () => [
        ...listeners.map((l) => l.peer.packetsFromTag(1) + l.peer.packetsFromTag(2)),
        host.peer.packetsFromTag(2),
        speaker.peer.packetsFromTag(1),
      ];
      const before = hears();
      const killedAt = performance.now();
      process.kill(server.media.pidOf(primary)!, 'SIGKILL');
      // Packets already on their way do not count: wait until the worker is seen gone.
      await waitFor(() => !server.media.isUp(primary), 5000, 'worker down');
      const base = hears().map((n, i) => Math.max(n, before[i]!));
      await waitFor(() => hears().every((n, i) => n > base[i]! + HEARD), 30_000, 'everyone hearing the stage again');
      times.push(performance.now() - killedAt);
      await waitFor(() => server.media.status().every((w) => w.up), 15_000, 'all workers up');
      // Past the supervisor's crash-loop window: each kill is measured as a first one.
      await sleep(11_000);
    }
    return times;
  } finally {
    for (const p of people) p.close();
    await server.close();
  }
}

async function restartRecovery(backend: 'sqlite' | 'postgres'): Promise<{ places: number[]; audio: number[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spaces-bench-restart-'));
  const db = backend === 'postgres' ? await createTestDatabase() : null;
  const options = { dataDir, port: await freePort(), mediaPort: randomMediaPort(), ...(db ? { databaseUrl: db.url } : {}) };
  let proc: ServerProcess = await spawnServer(options);
  const people: TestParticipant[] = [];
  try {
    const server = { url: proc.url };
    const hostApi = await account(server);
    const { id } = await hostApi.createSpace('Restart bench');
    const host = await joinSpace(server, id, { api: hostApi, tag: 1 });
    const join = async () => {
      const p = await joinSpace(server, id, {});
      people.push(p);
      await waitFor(() => p.state.you !== null, 5000, 'in');
      return p;
    };
    people.push(host);
    const cohost = await join();
    await host.signalling.act({ action: 'makeCohost', userId: cohost.state.you!.userId });
    const speaker = await join();
    await speaker.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, speaker);
    await host.signalling.act({ action: 'mute', userId: speaker.state.you!.userId });
    const requester = await join();
    await requester.signalling.act({ action: 'requestToSpeak' });
    const invitee = await join();
    await host.signalling.act({ action: 'invite', userId: invitee.state.you!.userId });
    const listener = await joinSpace(server, id, { guest: true, canPublish: false });
    people.push(listener);
    host.peer.setTalking(true);
    host.peer.startSending();
    await waitFor(() => listener.peer.packetsFromTag(1) > HEARD, 20_000, 'the listener hears the host');
    const inPlace = () =>
      people.every((p) => p.signalling.status === 'connected') &&
      host.state.space?.stage.map((p) => p.role).join() === 'host,cohost,speaker' &&
      host.state.space.stage[2]!.muted &&
      host.state.space.requests.length === 1 &&
      invitee.state.invited;
    const places: number[] = [];
    const audio: number[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const welcomes = people.map(() => 0);
      const offs = people.map((p, i) => p.signalling.on('welcome', () => welcomes[i]!++));
      const killedAt = performance.now();
      await proc.kill9();
      const heard = listener.peer.packetsFromTag(1);
      proc = await spawnServer(options);
      let placesAt = 0;
      await waitFor(
        () => {
          if (!placesAt && welcomes.every((n) => n > 0) && inPlace()) placesAt = performance.now();
          return placesAt > 0 && listener.peer.packetsFromTag(1) > heard + HEARD;
        },
        60_000,
        'back in place and heard',
      );
      places.push(placesAt - killedAt);
      audio.push(performance.now() - killedAt);
      for (const off of offs) off();
      await sleep(1000);
    }
    return { places, audio };
  } finally {
    for (const p of people) p.close();
    await proc.stop().catch(() => undefined);
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const rows: Array<Record<string, string | number>> = [];
const result: Record<string, { p50: number; max: number; trials: number[] }> = {};
const add = (what: string, xs: number[]) => {
  result[what] = { p50: Math.round(quantile(xs, 0.5)), max: Math.round(Math.max(...xs)), trials: xs.map(Math.round) };
  rows.push({ what, trials: xs.length, 'p50 ms': result[what]!.p50, 'max ms': result[what]!.max });
};
add('kill -9 primary media worker (1 worker): everyone hears the stage again', await workerRecovery(1));
add('kill -9 primary media worker (2 workers): everyone hears the stage again', await workerRecovery(2));
for (const backend of ['sqlite', 'postgres'] as const) {
  const r = await restartRecovery(backend);
  add(`kill -9 server + restart (${backend}): everyone back in place`, r.places);
  add(`kill -9 server + restart (${backend}): the listener hears the host again`, r.audio);
}
nodeDataChannel.cleanup();
console.table(rows);
console.log(JSON.stringify({ bench: 'recovery', trials: TRIALS, results: result }));
