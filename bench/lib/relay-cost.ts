// What relaying a Space's media between nodes costs, in process: the per-packet CPU an edge
// node adds before its local fan-out, against that local fan-out measured in the same run, and
// what the owner pays per edge node. It drives the code the media workers run on these paths
// (src/workers/media-worker-main.ts: relayMedia, onNodeRelay): sealFrame/openFrame, the
// encodeRelay/decodeRelay framing, and sends on real UDP sockets over loopback, to receivers
// that drain them on a worker thread (so that their receiving is not counted with the sender).
//
// Costs are the CPU time of the measuring thread (Linux: /proc/thread-self/schedstat, in ns;
// elsewhere the whole process's), per packet, over `packets` packets after a warm-up, in
// batches that yield to the event loop (the queued sends go out there, as in a worker).
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { openFrame, relayKey, sealFrame } from '../../src/media/cluster/node-relay.js';
import { decodeRelay, EDGE_ROOM_PREFIX, encodeRelay, RELAY_AUDIO } from '../../src/media/cluster/protocol.js';
import { AUDIO_LEVEL_EXT, audioFanOut, countingSink, opusPacket, restampOpusPacket } from './forwarding.js';

export const FAN_OUTS = [1, 10, 100] as const;
export const EDGES = [1, 2, 4] as const;

export interface RelayCost {
  packets: number;
  /** Whose CPU time: the measuring thread's, or (without /proc) the whole process's. */
  clock: 'thread' | 'process';
  /** Local fan-out of one publisher's packet to N listeners (ns per packet), by N. */
  fanOutNs: Record<string, number>;
  /** What an edge adds per packet before its local fan-out, by step, and in all (ns). */
  edge: {
    openNs: number;
    decodeNs: number;
    lookupsNs: number;
    encodeForSiblingsNs: number;
    sendPerSiblingNs: number;
    totalNs: number;
    /** totalNs / fanOutNs[N]: the relay's cost against a local fan-out to N listeners. */
    ratioToFanOut: Record<string, number>;
  };
  /** A relay datagram's receiving, on the receiving thread (kernel, libuv, the 'message' event): the edge and its siblings each pay it. */
  receiveNsPerDatagram: number | null;
  owner: {
    /** What a publisher's packet costs the owner's relay with no edge node (the framing for its sibling workers). */
    noEdgeNs: number;
    /** Per packet with E edge nodes, by E. */
    withEdgesNs: Record<string, number>;
    /** Least squares over E: ns per packet per edge node (the slope), and the edge-independent part beyond noEdgeNs (the seal). */
    perEdgeNs: number;
    fixedNs: number;
    /** The same send with one connected socket per edge (no address per send): ns per packet per edge, for comparison. */
    perEdgeConnectedNs: number;
  };
  /** Datagrams the drain threads did not receive (sent over loopback as fast as the CPU allows). */
  lostFraction: number;
}

let clock: RelayCost['clock'] = 'thread';
function cpuNs(): number {
  if (clock === 'thread') {
    try {
      return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    } catch {
      clock = 'process';
    }
  }
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

const BATCH = 256;
const RING = 1024; // power of two
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** CPU ns per packet of `step` over `packets` packets, after a warm-up of a tenth as many. */
async function perPacket(packets: number, step: (i: number) => void): Promise<number> {
  const warm = Math.max(BATCH, Math.floor(packets / 10));
  const run = async (from: number, to: number) => {
    for (let i = from; i < to;) {
      const end = Math.min(to, i + BATCH);
      for (; i < end; i++) step(i);
      await tick();
    }
  };
  await run(0, warm);
  const c0 = cpuNs();
  await run(warm, warm + packets);
  await tick();
  return (cpuNs() - c0) / packets;
}

/** Sockets bound on 127.0.0.1 that a worker thread drains and counts, with that thread's CPU time. */
const DRAIN = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const fs = require('node:fs');
const cpu = () => { try { return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]); } catch { return NaN; } };
let received = 0;
const sockets = [];
let bound = 0;
for (let i = 0; i < workerData.count; i++) {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  s.on('message', () => received++);
  s.bind(0, '127.0.0.1', () => { if (++bound === workerData.count) parentPort.postMessage({ ports: sockets.map((x) => x.address().port) }); });
  sockets.push(s);
}
parentPort.on('message', (m) => {
  if (m === 'read') parentPort.postMessage({ received, cpuNs: cpu() });
  else { for (const s of sockets) s.close(); parentPort.close(); }
});
`;

interface Drain {
  ports: number[];
  read(): Promise<{ received: number; cpuNs: number }>;
  close(): Promise<void>;
}

async function drain(count: number): Promise<Drain> {
  const worker = new Worker(DRAIN, { eval: true, workerData: { count } });
  const next = <T>() => new Promise<T>((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
  const { ports } = await next<{ ports: number[] }>();
  return {
    ports,
    read: () => {
      const answer = next<{ received: number; cpuNs: number }>();
      worker.postMessage('read');
      return answer;
    },
    close: async () => {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

const leastSquares = (xs: readonly number[], ys: readonly number[]) => {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
};

export async function measureRelayCost(packets: number): Promise<RelayCost> {
  const key = relayKey('bench secret');
  const spaceId = '0190f1c2-7a3b-7c4d-8e5f-a1b2c3d4e5f6';
  const pid = 'user_0190f1c2-7a3b-7c4d-8e5f-a1b2c3d4e5f7';
  const sink = countingSink();
  const drains = await drain(1 + Math.max(...EDGES));
  const [siblingPort, ...edgePorts] = drains.ports as [number, ...number[]];
  const out = await udpSocket();
  let sent = 0;
  try {
    // Local fan-out: a publisher's packet as it enters the worker, to N listeners (the packet's
    // pristine header written back first: forwarding rewrites it in place; a few ns, in every N).
    const fanOutNs: Record<string, number> = {};
    const incoming = Array.from({ length: RING }, (_, i) => opusPacket(i));
    for (const n of FAN_OUTS) {
      const { publisher, counters } = audioFanOut(n, sink.track);
      const t0 = Date.now();
      fanOutNs[n] = await perPacket(packets, (i) => publisher.onMessage(restampOpusPacket(incoming[i & (RING - 1)]!, i), t0 + i * 20));
      if (counters.packetsOut === 0 || counters.packetsGated > 0)
        throw new Error(`fan-out to ${n}: ${counters.packetsOut} out, ${counters.packetsGated} gated`);
    }

    // The edge's side of onNodeRelay, up to the local fan-out, in cumulative steps. The datagrams
    // are sealed by an "owner" up front (openFrame does not write into them).
    const sealed = Array.from({ length: RING }, (_, i) => sealFrame(key, encodeRelay(RELAY_AUDIO, AUDIO_LEVEL_EXT, spaceId, pid, opusPacket(i)), Date.now()));
    // The worker's maps the path consults: media.hasRoom (twice), ownerOf, room(); the room's publishers and hostsPublisher.
    const rooms = new Map<string, object>([[EDGE_ROOM_PREFIX + spaceId, {}]]);
    const owners = new Map<string, { address: string; port: number }>([[EDGE_ROOM_PREFIX + spaceId, { address: '127.0.0.1', port: 1 }]]);
    const publishers = new Map<string, object>([[pid, {}]]);
    const peers = new Map<string, object>();
    let sinkhole = 0;
    const open = (i: number) => {
      const f = openFrame(key, sealed[i & (RING - 1)]!, Date.now());
      if (!f) throw new Error('the relay frame did not open');
      return f;
    };
    const decoded = (i: number) => decodeRelay(open(i))!;
    const lookedUp = (i: number) => {
      const frame = decoded(i);
      const local = EDGE_ROOM_PREFIX + frame.room;
      if (rooms.has(local) && owners.get(local)?.port === 1 && rooms.has(local) && rooms.get(local) && publishers.get(frame.pid) && !peers.has(frame.pid))
        sinkhole++;
      return { frame, local };
    };
    const framed = (i: number) => {
      const { frame, local } = lookedUp(i);
      return encodeRelay(frame.kind, frame.extId, local, frame.pid, frame.payload);
    };
    const stepNs = [
      await perPacket(packets, (i) => void open(i)),
      await perPacket(packets, (i) => void decoded(i)),
      await perPacket(packets, (i) => void lookedUp(i)),
      await perPacket(packets, (i) => void framed(i)),
      await perPacket(packets, (i) => void (out.send(framed(i), siblingPort, '127.0.0.1'), sent++)),
    ] as const;
    if (sinkhole === 0) throw new Error('the lookups found nothing');
    const edgeTotal = stepNs[4];
    const edge: RelayCost['edge'] = {
      openNs: stepNs[0],
      decodeNs: stepNs[1] - stepNs[0],
      lookupsNs: stepNs[2] - stepNs[1],
      encodeForSiblingsNs: stepNs[3] - stepNs[2],
      sendPerSiblingNs: stepNs[4] - stepNs[3],
      totalNs: edgeTotal,
      ratioToFanOut: Object.fromEntries(FAN_OUTS.map((n) => [n, edgeTotal / fanOutNs[n]!])),
    };

    // The owner's side of relayMedia: the framing it does for its sibling workers anyway, then one
    // seal and one send per edge node (the worker's unconnected socket, an address per send).
    const targets = edgePorts.map((port) => ({ address: '127.0.0.1', port }));
    const edgeTargets = new Map<string, typeof targets>();
    const ownerStep = (i: number) => {
      const frame = encodeRelay(RELAY_AUDIO, AUDIO_LEVEL_EXT, spaceId, pid, incoming[i & (RING - 1)]!);
      const to = edgeTargets.get(spaceId);
      if (!to) return;
      const s = sealFrame(key, frame, Date.now());
      for (let t = 0; t < to.length; t++) out.send(s, to[t]!.port, to[t]!.address);
      sent += to.length;
    };
    const noEdgeNs = await perPacket(packets, ownerStep);
    const withEdgesNs: Record<string, number> = {};
    const r0 = await drains.read();
    for (const e of EDGES) {
      edgeTargets.set(spaceId, targets.slice(0, e));
      withEdgesNs[e] = await perPacket(packets, ownerStep);
    }
    const r1 = await drains.read();
    const fit = leastSquares(
      EDGES,
      EDGES.map((e) => withEdgesNs[e]!),
    );

    // For comparison: one connected socket per edge node.
    const connected = await Promise.all(targets.map(() => udpSocket()));
    await Promise.all(connected.map((s, t) => new Promise<void>((resolve) => s.connect(targets[t]!.port, '127.0.0.1', resolve))));
    const e = Math.max(...EDGES);
    const connectedNs = await perPacket(packets, (i) => {
      const s = sealFrame(key, encodeRelay(RELAY_AUDIO, AUDIO_LEVEL_EXT, spaceId, pid, incoming[i & (RING - 1)]!), Date.now());
      for (let t = 0; t < e; t++) connected[t]!.send(s);
      sent += e;
    });
    await Promise.all(connected.map((s) => new Promise<void>((resolve) => s.close(resolve))));

    await new Promise((resolve) => setTimeout(resolve, 200));
    const last = await drains.read();
    const owner: RelayCost['owner'] = {
      noEdgeNs,
      withEdgesNs,
      perEdgeNs: fit.slope,
      fixedNs: fit.intercept - noEdgeNs,
      // What its E sends cost beyond the framing and the seal.
      perEdgeConnectedNs: (connectedNs - fit.intercept) / e,
    };
    const received = r1.received - r0.received;
    return {
      packets,
      clock,
      fanOutNs,
      edge,
      receiveNsPerDatagram: Number.isFinite(r1.cpuNs) && received > 0 ? (r1.cpuNs - r0.cpuNs) / received : null,
      owner,
      lostFraction: sent > 0 ? Math.max(0, 1 - last.received / sent) : 0,
    };
  } finally {
    await new Promise<void>((resolve) => out.close(resolve));
    await drains.close();
  }
}

const ns = (x: number) => `${Math.round(x)}`;
const ratio = (x: number) => `${x.toFixed(2)}x`;

/** The table rows: what, and the number. */
export function relayCostRows(r: RelayCost): Array<[string, string]> {
  return [
    ...FAN_OUTS.map((n): [string, string] => [`local fan-out of one packet to ${n} listener${n > 1 ? 's' : ''} (baseline)`, ns(r.fanOutNs[n]!)]),
    ['edge: openFrame (HMAC-SHA256 check)', ns(r.edge.openNs)],
    ['edge: decodeRelay', ns(r.edge.decodeNs)],
    ['edge: room, owner and publisher lookups', ns(r.edge.lookupsNs)],
    ['edge: encodeRelay for its sibling workers', ns(r.edge.encodeForSiblingsNs)],
    ['edge: loopback send, per sibling worker', ns(r.edge.sendPerSiblingNs)],
    ['edge: relay cost per packet, before the local fan-out (1 sibling)', ns(r.edge.totalNs)],
    ...FAN_OUTS.map((n): [string, string] => [`  against the local fan-out to ${n}`, ratio(r.edge.ratioToFanOut[n]!)]),
    ['receiving a relay datagram (edge and each sibling, its own thread)', r.receiveNsPerDatagram === null ? 'n/a' : ns(r.receiveNsPerDatagram)],
    ['owner: a packet with no edge node (framing for its siblings)', ns(r.owner.noEdgeNs)],
    ...EDGES.map((e): [string, string] => [`owner: a packet with ${e} edge node${e > 1 ? 's' : ''}`, ns(r.owner.withEdgesNs[e]!)]),
    ["owner's cost per packet per edge node (slope)", ns(r.owner.perEdgeNs)],
    ["owner's fixed cost per packet once it has edges (the seal)", ns(r.owner.fixedNs)],
    ['  per edge with a connected socket per edge (comparison)', ns(r.owner.perEdgeConnectedNs)],
  ];
}
