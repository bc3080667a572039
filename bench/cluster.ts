// Benchmark: what the cluster costs and how fast it recovers, on three real nodes (their own
// Redis, a PostgreSQL database, shared recording storage) on this machine.
//
//   npm run bench:cluster [-- --trials 3 --joins 10 --lease-ms 4000 --relay-packets 200000]
//   npm run bench:cluster -- --only relay      (section 4 alone, without starting the cluster)
//
// 1. Joining through the wrong node. A listener joins a Space through the node that runs it
//    (the baseline, same run) or through another node, which redirects it (one more WebSocket
//    handshake and an owner lookup in Redis): time to welcome and to the first audio packet.
// 2. Failover. A host and a speaker talking and six listeners, all entered through a node that
//    does not run the Space; kill -9 of the owner, then the time until every listener hears both
//    again. It is the owner's lease (--lease-ms, the default setting) running out, a sweep of
//    another node adopting the Space from the database, and every client reconnecting through
//    its entry node and being redirected, then ICE and DTLS.
// 3. Drain. The same Space; SIGTERM to its owner: the time until everyone hears the stage
//    again (the hand-off) and until the node has exited (the drain).
// 4. The relay, in this process (bench/lib/relay-cost.ts), before the cluster starts: a Space
//    whose audience spans nodes has its publishers' packets relayed by the owner to each edge
//    node, sealed once. Per packet, in CPU ns of the thread doing it: what an edge adds before
//    its local fan-out (openFrame's HMAC check, decodeRelay, its lookups, encodeRelay for its
//    sibling workers and the loopback send to one), against the local fan-out of one packet to
//    1, 10 and 100 listeners (the real AudioPublisher and slots, bench/lib/forwarding.ts) in the
//    same run; and the owner's cost per edge node: the slope over 1, 2 and 4 edges of sealing and
//    sending on real loopback UDP sockets (drained on a worker thread), and the fixed part.
// Prints tables (ms for 1-3, ns for 4) and a JSON line.
import { parseCommandLine } from '../src/cli/args.js';
import { Redis } from 'ioredis';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../test/helpers/clients.js';
import { startCluster, type ClusterNodeProcess, type TestCluster } from '../test/helpers/cluster.js';
import { measureRelayCost, relayCostRows, type RelayCost } from './lib/relay-cost.js';
import { approveLive } from '../src/bots/ndc-participant.js';

const { flags } = parseCommandLine(process.argv.slice(2), {
  trials: 'string',
  joins: 'string',
  'lease-ms': 'string',
  only: 'string',
  'relay-packets': 'string',
});
const TRIALS = Number(flags.trials ?? 3);
const JOINS = Number(flags.joins ?? 10);
const LEASE_MS = Number(flags['lease-ms'] ?? 4000);
const HEARD = 25;
const RELAY_PACKETS = Number(flags['relay-packets'] ?? 200_000);
if (flags.only !== undefined && flags.only !== 'relay') throw new Error(`--only takes 'relay' (the relay's costs alone), not '${flags.only}'`);

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const round = (x: number) => Math.round(x);

/** The node that runs the Space: the holder of its lease in the cluster's Redis. */
async function ownerOf(cluster: TestCluster, spaceId: string): Promise<ClusterNodeProcess> {
  const redis = new Redis(cluster.redis.url);
  try {
    const id = await until(async () => (await redis.get(`spaces:owner:${spaceId}`)) ?? undefined, 30_000, 'the Space to run somewhere', 100);
    return cluster.nodes.find((n) => n.id === id)!;
  } finally {
    redis.disconnect();
  }
}

interface Stage {
  spaceId: string;
  owner: ClusterNodeProcess;
  entry: ClusterNodeProcess;
  people: TestParticipant[];
  listeners: TestParticipant[];
}

/** A Space with a host and a speaker talking and six listeners, all entered through `entry`-side nodes that do not run it. */
async function stage(cluster: TestCluster, title: string): Promise<Stage> {
  const hostApi = await account(cluster.nodes[0]!);
  const { id } = await hostApi.createSpace(title);
  const owner = await ownerOf(cluster, id);
  const entry = cluster.nodes.find((n) => n !== owner && n.child.exitCode === null && n.child.signalCode === null)!;
  const host = await joinSpace(entry, id, { api: hostApi, tag: 1 });
  const speaker = await joinSpace(entry, id, { tag: 2 });
  await waitFor(() => speaker.state.you !== null, 10_000, 'speaker in');
  await speaker.signalling.act({ action: 'requestToSpeak' });
  await approveLive(host, speaker);
  const listeners: TestParticipant[] = [];
  for (let i = 0; i < 6; i++) listeners.push(await joinSpace(entry, id, { guest: true, canPublish: false }));
  const people = [host, speaker, ...listeners];
  await waitFor(() => people.every((p) => p.peer.state === 'connected'), 30_000, 'connected');
  for (const s of [host, speaker]) {
    s.peer.setTalking(true);
    s.peer.startSending();
  }
  await waitFor(() => listeners.every((l) => l.peer.packetsFromTag(1) > HEARD && l.peer.packetsFromTag(2) > HEARD), 30_000, 'heard');
  return { spaceId: id, owner, entry, people, listeners };
}

/** Resolves when every listener has heard HEARD more packets of both speakers than at `base`. */
async function everyoneHearsAgain(s: Stage, base: number[][]): Promise<void> {
  await waitFor(
    () => s.listeners.every((l, i) => l.peer.packetsFromTag(1) > base[i]![0]! + HEARD && l.peer.packetsFromTag(2) > base[i]![1]! + HEARD),
    90_000,
    'everyone hearing the stage again',
  );
}

const heard = (s: Stage) => s.listeners.map((l) => [l.peer.packetsFromTag(1), l.peer.packetsFromTag(2)]);

async function joins(cluster: TestCluster): Promise<{ direct: number[]; redirected: number[]; directAudio: number[]; redirectedAudio: number[] }> {
  const s = await stage(cluster, 'Join bench');
  const out = { direct: [] as number[], redirected: [] as number[], directAudio: [] as number[], redirectedAudio: [] as number[] };
  try {
    for (let i = 0; i < JOINS * 2; i++) {
      const viaOwner = i % 2 === 0;
      const started = Date.now();
      const p = await joinSpace(viaOwner ? s.owner : s.entry, s.spaceId, { guest: true, canPublish: false });
      await waitFor(() => p.peer.firstPacketAtMs > 0, 30_000, 'first audio');
      (viaOwner ? out.direct : out.redirected).push(p.joinMs);
      (viaOwner ? out.directAudio : out.redirectedAudio).push(p.peer.firstPacketAtMs - started);
      p.close();
    }
  } finally {
    for (const p of s.people) p.close();
  }
  return out;
}

async function failover(cluster: TestCluster): Promise<number> {
  const s = await stage(cluster, 'Failover bench');
  try {
    const base = heard(s);
    const killedAt = Date.now();
    await s.owner.kill9();
    await everyoneHearsAgain(s, base);
    const ms = Date.now() - killedAt;
    await s.owner.restart();
    return ms;
  } finally {
    for (const p of s.people) p.close();
  }
}

async function drain(cluster: TestCluster): Promise<{ handOff: number; exit: number }> {
  const s = await stage(cluster, 'Drain bench');
  try {
    const base = heard(s);
    const started = Date.now();
    let exitedAt = 0;
    const stopped = s.owner.stop().then(() => (exitedAt = Date.now()));
    await everyoneHearsAgain(s, base);
    const handOff = Date.now() - started;
    await stopped;
    await s.owner.restart();
    return { handOff, exit: exitedAt - started };
  } finally {
    for (const p of s.people) p.close();
  }
}

/** Section 4: its table, and its numbers for the JSON line. */
async function relay(): Promise<Record<string, unknown>> {
  const r: RelayCost = await measureRelayCost(RELAY_PACKETS);
  console.log(`\nthe node relay, in process: ${r.packets} packets per measurement (CPU ns per packet, ${r.clock} clock)\n`);
  for (const [what, value] of relayCostRows(r)) console.log(`${what.padEnd(72)} ${value.padStart(9)}`);
  return {
    relayNsPerPacket: Math.round(r.edge.totalNs),
    relayRatioToLocalFanOut: Object.fromEntries(Object.entries(r.edge.ratioToFanOut).map(([n, x]) => [n, Math.round(x * 100) / 100])),
    ownerCostPerEdge: { perEdgeNs: Math.round(r.owner.perEdgeNs), fixedNs: Math.round(r.owner.fixedNs) },
    relay: r,
  };
}

const relayed = await relay();
if (flags.only === 'relay') {
  console.log(JSON.stringify({ bench: 'cluster', only: 'relay', ...relayed }));
  process.exit(0);
}

const cluster = await startCluster({ nodes: 3, leaseMs: LEASE_MS, env: { SPACES_HLS_MODE: 'off' } });
try {
  const j = await joins(cluster);
  const failovers: number[] = [];
  const drains: Array<{ handOff: number; exit: number }> = [];
  for (let t = 0; t < TRIALS; t++) {
    failovers.push(await failover(cluster));
    drains.push(await drain(cluster));
  }
  const rows: Array<[string, string, string]> = [
    ['join to welcome, through the owner (baseline)', `${round(median(j.direct))}`, `${round(quantile(j.direct, 0.9))}`],
    ['join to welcome, through another node (redirect)', `${round(median(j.redirected))}`, `${round(quantile(j.redirected, 0.9))}`],
    ['join to first audio, through the owner (baseline)', `${round(median(j.directAudio))}`, `${round(quantile(j.directAudio, 0.9))}`],
    ['join to first audio, through another node', `${round(median(j.redirectedAudio))}`, `${round(quantile(j.redirectedAudio, 0.9))}`],
    [`failover: kill -9 of the owner to everyone hearing (lease ${LEASE_MS} ms)`, `${round(median(failovers))}`, `${round(Math.max(...failovers))}`],
    [
      'drain: SIGTERM to everyone hearing on another node',
      `${round(median(drains.map((d) => d.handOff)))}`,
      `${round(Math.max(...drains.map((d) => d.handOff)))}`,
    ],
    ['drain: SIGTERM to the node exiting', `${round(median(drains.map((d) => d.exit)))}`, `${round(Math.max(...drains.map((d) => d.exit)))}`],
  ];
  console.log(`\ncluster of 3 nodes, ${TRIALS} trials, ${JOINS} joins each way (ms; median, and p90 or max)\n`);
  for (const [what, med, tail] of rows) console.log(`${what.padEnd(72)} ${med.padStart(9)} ${tail.padStart(7)}`);
  console.log(
    JSON.stringify({
      bench: 'cluster',
      nodes: 3,
      leaseMs: LEASE_MS,
      trials: TRIALS,
      joinWelcomeMs: { direct: median(j.direct), redirected: median(j.redirected) },
      joinFirstAudioMs: { direct: median(j.directAudio), redirected: median(j.redirectedAudio) },
      failoverMs: failovers,
      drainHandOffMs: drains.map((d) => d.handOff),
      drainExitMs: drains.map((d) => d.exit),
      ...relayed,
    }),
  );
} finally {
  await cluster.close();
}
process.exit(0);
