// Benchmark: a Space with 3 speakers and 50 listeners (node-datachannel peers on loopback)
// against the server in its own process. Speakers take turns, with some overlap, as in a
// conversation. Reports what each listener receives and what the server spends.
//
//   npm run bench:stage [-- --listeners 50 --seconds 20 --workers 2]
import { ApiClient } from '../src/sdk/api.js';
import { joinAsNdcParticipant, type NdcParticipant, approveLive } from '../src/bots/ndc-participant.js';
import { parseCommandLine } from '../src/cli/args.js';
import { startServerProcess } from './lib/server-process.js';
import { cpuMeter, rssMiB } from './lib/proc.js';

const { flags } = parseCommandLine(process.argv.slice(2), { listeners: 'string', seconds: 'string', workers: 'string' });
const LISTENERS = Number(flags.listeners ?? 50);
const SECONDS = Number(flags.seconds ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const WORKERS = flags.workers;
const server = await startServerProcess(WORKERS ? ['--media-workers', WORKERS] : []);
try {
  const hostApi = new ApiClient(server.url);
  await hostApi.ensureAccount('bench_host', 'password123');
  const spaceId = (await hostApi.createSpace('Bench: 3 speakers')).id;
  const host = await joinAsNdcParticipant(server.url, spaceId, { api: hostApi, tag: 1, recordSpeaking: false });
  const speakers: NdcParticipant[] = [host];
  for (const n of [2, 3]) {
    const api = new ApiClient(server.url);
    await api.ensureAccount(`bench_s${n}`, 'password123');
    const s = await joinAsNdcParticipant(server.url, spaceId, { api, tag: n, recordSpeaking: false });
    await s.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, s);
    speakers.push(s);
  }
  const listeners: NdcParticipant[] = [];
  for (let i = 0; i < LISTENERS; i++) {
    listeners.push(await joinAsNdcParticipant(server.url, spaceId, { canPublish: false, recordSpeaking: false }));
  }
  const all = [...speakers, ...listeners];
  const deadline = Date.now() + 30_000;
  while (!all.every((p) => p.peer.state === 'connected')) {
    if (Date.now() > deadline) throw new Error('peers did not connect');
    await sleep(50);
  }
  for (const s of speakers) s.peer.startSending();
  await sleep(1000);

  // A conversation: turns of 3 s, each overlapping the next by 0.5 s; 1 s of silence every third turn.
  const startCounts = listeners.map((l) => l.peer.totalPackets());
  const startLost = listeners.map((l) => [...l.peer.received.values()].reduce((n, s) => n + s.lost, 0));
  const cpu = cpuMeter(server.pid);
  const t0 = performance.now();
  let talkingMs = 0;
  let turn = 0;
  while (performance.now() - t0 < SECONDS * 1000) {
    const who = speakers[turn % speakers.length]!;
    const next = speakers[(turn + 1) % speakers.length]!;
    who.peer.setTalking(true);
    await sleep(2500);
    next.peer.setTalking(true);
    await sleep(500);
    who.peer.setTalking(false);
    talkingMs += 3000;
    turn++;
    if (turn % 3 === 0) {
      next.peer.setTalking(false);
      await sleep(1000);
    }
  }
  for (const s of speakers) s.peer.setTalking(false);
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = cpu.stop();
  const pps = listeners.map((l, i) => (l.peer.totalPackets() - startCounts[i]!) / seconds);
  const lost = listeners.map((l, i) => [...l.peer.received.values()].reduce((n, s) => n + s.lost, 0) - startLost[i]!);
  const received = listeners.map((l, i) => l.peer.totalPackets() - startCounts[i]!);
  const lossPct = (100 * lost.reduce((a, b) => a + b, 0)) / Math.max(1, received.reduce((a, b) => a + b, 0) + lost.reduce((a, b) => a + b, 0));
  const jitter = listeners.map((l) => Math.max(0, ...[...l.peer.received.values()].map((s) => s.jitterMs)));
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const metric = (name: string) => Number(metrics.match(new RegExp(`^${name} (\\d+)`, 'm'))?.[1] ?? 0);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const result = {
    bench: 'stage-audio',
    mediaWorkers: WORKERS ?? 'default (cores)',
    speakers: speakers.length,
    listeners: LISTENERS,
    seconds: Math.round(seconds * 10) / 10,
    listenerPpsMean: Math.round(mean(pps) * 10) / 10,
    listenerPpsMin: Math.round(Math.min(...pps) * 10) / 10,
    listenerPpsMax: Math.round(Math.max(...pps) * 10) / 10,
    publishedPpsPerSpeaker: 50,
    lossPercent: Math.round(lossPct * 1000) / 1000,
    jitterMsMax: Math.round(Math.max(...jitter) * 10) / 10,
    serverCpuPercentOfOneCore: Math.round(serverCpu * 10) / 10,
    serverForwardedPps: Math.round(mean(pps) * LISTENERS),
    serverCpuPer1kPps: Math.round((serverCpu / ((mean(pps) * (LISTENERS + speakers.length - 1)) / 1000)) * 100) / 100,
    serverRssMiB: Math.round(rssMiB(server.pid)),
    packetsGated: metric('spaces_rtp_packets_gated_total'),
    talkingShare: Math.round((talkingMs / 1000 / seconds) * 100) / 100,
  };
  console.log('\nstage audio: 3 speakers taking turns, listeners on WebRTC (loopback)\n');
  console.table({
    'per-listener packets/s (mean)': result.listenerPpsMean,
    'per-listener packets/s (min..max)': `${result.listenerPpsMin}..${result.listenerPpsMax}`,
    'loss %': result.lossPercent,
    'jitter ms (max over listeners)': result.jitterMsMax,
    'server CPU % of one core': result.serverCpuPercentOfOneCore,
    'server CPU % per 1k forwarded pkt/s': result.serverCpuPer1kPps,
    'server RSS MiB': result.serverRssMiB,
  });
  console.log(JSON.stringify(result));
  for (const p of all) p.close();
} finally {
  await server.stop();
}
process.exit(0);
