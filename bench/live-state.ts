// Benchmark: what storing the live state costs, per change.
//
//   npm run bench:live-state [-- --changes 500]
//
// Every stage change (approve, mute, co-host, request, invitation) is stored before it is
// acknowledged. Measured on SQLite (a file, WAL, synchronous=FULL) and on PostgreSQL:
//   store: SpaceStore.commit of one change (one member row), and the same carrying the owner's
//   fencing token (the epoch check every live Space's write makes since cluster mode);
//   ack: a speaker's mute toggle over the WebSocket, from send to ack, on a real server;
//   baseline (same run): a ping over the same WebSocket, the round trip with nothing stored.
// Prints a table and a JSON line (p50 / p99 in ms).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import nodeDataChannel from 'node-datachannel';
import { parseCommandLine } from '../src/cli/args.js';
import { openDatabase } from '../src/store/database.js';
import { SpaceStore, type MemberRecord } from '../src/store/space-store.js';
import { startTestServer } from '../test/helpers/server.js';
import { account, joinSpace, waitFor } from '../test/helpers/clients.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { memberRecord, spaceChange } from '../test/helpers/store-records.js';

const { flags } = parseCommandLine(process.argv.slice(2), { changes: 'string' });
const CHANGES = Number(flags.changes ?? 500);

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3));
};

/** Commits of one member's change; `fenced`: each carries the owner's fencing token, as a live Space's do. */
async function storeCommits(url: string, fenced = false): Promise<number[]> {
  const db = await openDatabase(url);
  const store = new SpaceStore(db);
  const id = `bench-${Date.now()}`;
  await store.create({
    id,
    title: 't',
    hostId: 'h',
    hostHandle: 'h',
    state: 'live',
    scheduledFor: null,
    startedAt: Date.now(),
    endedAt: null,
    endReason: null,
    recording: false,
    kind: 'space',
    guestComments: true,
  });
  const fence = fenced ? await store.claim(id, 'bench') : undefined;
  const member = (i: number): MemberRecord => memberRecord('speaker', { muted: i % 2 === 0 });
  const times: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const t = performance.now();
    await store.commit(spaceChange(id, { upsert: [member(i)], ...(fence !== undefined ? { fence } : {}) }));
    times.push(performance.now() - t);
  }
  await db.destroy();
  return times;
}

async function acks(databaseUrl: string | null): Promise<{ ack: number[]; ping: number[] }> {
  const server = await startTestServer(databaseUrl ? { databaseUrl } : {}, { 'message-rate': '10000', 'message-burst': '100000' });
  try {
    const hostApi = await account(server);
    const { id: spaceId } = await hostApi.createSpace('Bench');
    const host = await joinSpace(server, spaceId, { api: hostApi });
    await waitFor(() => host.state.you !== null, 5000, 'host in');
    // A raw socket as the host, to time each answer exactly.
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + '/ws');
    const waiting = new Map<string, () => void>();
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; rid?: string; code?: string };
      if (m.rid && waiting.has(m.rid)) {
        if (m.type === 'error') throw new Error(`refused: ${m.code}`);
        waiting.get(m.rid)!();
        waiting.delete(m.rid);
      }
    });
    await new Promise((r) => ws.once('open', r));
    const request = (msg: object, rid: string) =>
      new Promise<number>((resolve) => {
        const t = performance.now();
        waiting.set(rid, () => resolve(performance.now() - t));
        ws.send(JSON.stringify({ ...msg, rid }));
      });
    await request({ type: 'join', spaceId, token: hostApi.token }, 'join');
    host.close();
    const ack: number[] = [];
    const ping: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      ack.push(await request({ type: 'action', body: { action: 'setMicMuted', muted: i % 2 === 0 } }, `a${i}`));
      ping.push(await request({ type: 'ping' }, `p${i}`));
    }
    ws.close();
    return { ack, ping };
  } finally {
    await server.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-live-state-'));
const pg = await createTestDatabase();
const rows: Array<Record<string, string | number>> = [];
const result: Record<string, { p50: number; p99: number }> = {};
const add = (what: string, xs: number[]) => {
  result[what] = { p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
  rows.push({ what, 'p50 ms': result[what]!.p50, 'p99 ms': result[what]!.p99 });
};
try {
  add('SQLite: one change stored (commit)', await storeCommits(join(dir, 'bench.db')));
  add('SQLite: the same, fenced (owner epoch checked)', await storeCommits(join(dir, 'bench.db'), true));
  add('PostgreSQL: one change stored (commit)', await storeCommits(pg.url));
  add('PostgreSQL: the same, fenced (owner epoch checked)', await storeCommits(pg.url, true));
  const sqlite = await acks(null);
  add('SQLite server: mute toggle, send to ack', sqlite.ack);
  add('SQLite server: ping, send to pong (baseline)', sqlite.ping);
  const postgres = await acks(pg.url);
  add('PostgreSQL server: mute toggle, send to ack', postgres.ack);
  add('PostgreSQL server: ping, send to pong (baseline)', postgres.ping);
} finally {
  await pg.drop();
  rmSync(dir, { recursive: true, force: true });
  nodeDataChannel.cleanup();
}
console.table(rows);
console.log(JSON.stringify({ bench: 'live-state', changes: CHANGES, results: result }));
