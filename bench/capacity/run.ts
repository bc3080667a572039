// Capacity benchmark: what forwarding costs, how many listeners a core holds, how fast a
// join storm gets in, and what a listener costs in memory, for our server with 1 and 2
// media workers and, side by side in the same run, for Janus 1.1.2's VideoRoom.
//
//   npm run bench:capacity [-- --seconds 8 --audio-steps 100,200,300,400 --compare-listeners 30
//                              --broadcast-listeners 60 --storm 1000,500 --storm-rate 50
//                              --storm-processes 2 --workers 1,2 --no-janus --storms-only]
//
// Everything runs on loopback: the server (its own process, CPU and RSS of it and its media
// workers from /proc), Janus (started here with a config written to a temp dir), and the
// load: node-datachannel speakers/publishers in this process, listeners in 2 child
// processes. Packets "forwarded" are packets the bots actually received.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../src/sdk/api.js';
import { joinAsNdcParticipant, type NdcParticipant, approveLive } from '../../src/bots/ndc-participant.js';
import { parseCommandLine } from '../../src/cli/args.js';
import { summarize, rounded } from '../../src/load/stats.js';
import type { LoadReport } from '../../src/load/load-generator.js';
import { startServerProcess, type ServerProcess } from '../lib/server-process.js';
import { cpuMeter, rssMiB } from '../lib/proc.js';
import { cpuMeterSelf } from '../lib/proc-self.js';
import { cleanupAll, descendantPids, installExitGuards, killPids, onCleanup, track } from '../lib/cleanup.js';
import { JanusPublisher, JanusSession, createRoom, janusInstalled, startJanus, type JanusProcess } from '../lib/janus.js';
import { drive, Vp8LikeSender } from '../lib/rtp-senders.js';
import type { PoolReply, PoolRequest, PoolSnapshot, PoolTarget } from './pool-protocol.js';

const { flags } = parseCommandLine(process.argv.slice(2), {
  ...Object.fromEntries(
    [
      'seconds',
      'audio-steps',
      'stage',
      'compare-listeners',
      'broadcast-listeners',
      'storm',
      'storm-rate',
      'storm-processes',
      'storm-workers',
      'workers',
      'pools',
      'join-rate',
      'watchdog-s',
    ].map((n) => [n, 'string' as const]),
  ),
  'no-janus': 'boolean',
  'storms-only': 'boolean',
});
const num = (name: string, fallback: number) => (flags[name] === undefined ? fallback : Number(flags[name]));
const list = (name: string, fallback: number[]) => (flags[name] ? flags[name]!.split(',').map(Number) : fallback);
const SECONDS = num('seconds', 8);
const AUDIO_STEPS = list('audio-steps', [100, 200, 300, 400]);
const STAGE = num('stage', 10);
const COMPARE_LISTENERS = num('compare-listeners', 30);
const BROADCAST_LISTENERS = num('broadcast-listeners', 60);
/** Join storms, in order: 1,000 as asked, then a smaller one the load generator can receive without saturating. */
const STORMS = list('storm', [1000, 500]).filter((n) => n > 0);
const STORM_RATE = num('storm-rate', 50);
const STORM_PROCESSES = num('storm-processes', 2);
const STORM_WORKERS = num('storm-workers', 2);
const WORKERS = list('workers', [1, 2]);
const POOLS = num('pools', 2);
const JOIN_RATE = num('join-rate', 50);
const WITH_JANUS = flags['no-janus'] === undefined;
/** Join storms alone, without the forwarding scenarios (to study joins). */
const STORMS_ONLY = flags['storms-only'] !== undefined;
const LOSS_LIMIT = 0.5;
const AUDIO_SCENARIO = `audio space: ${STAGE} on stage, 1–2 talking`;
const COMPARE_SCENARIO = `audio: all ${STAGE} talking (Janus comparison)`;
/** The same room with our default of 3 audible speakers: each listener gets 3 of the 10 voices, Janus sends all 10. */
const COMPARE_DEFAULT_SCENARIO = `audio: all ${STAGE} talking, 3 audible (our default)`;
const BROADCAST_SCENARIO = 'broadcast: audio + VP8 ~1.6 Mbps';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
const log = (line: string) => process.stderr.write(`[capacity ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

installExitGuards(num('watchdog-s', 900) * 1000);

// ---------------------------------------------------------------- listener pools (children)

class Pool {
  private readonly pending = new Map<number, (r: PoolReply) => void>();
  private nextId = 1;
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: PoolReply & { id: number }) => {
      const w = this.pending.get(m.id);
      this.pending.delete(m.id);
      w?.(m);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(): Promise<Pool> {
    const child = track(
      fork(fileURLToPath(new URL('./listener-pool.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const pool = new Pool(child);
    await new Promise<void>((resolve, reject) => {
      pool.pending.set(0, () => resolve());
      child.once('exit', (code) => reject(new Error(`listener pool exited with ${code}`)));
    });
    return pool;
  }

  request(req: PoolRequest extends infer R ? (R extends PoolRequest ? Omit<R, 'id'> : never) : never, timeoutMs = 180_000): Promise<PoolReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`listener pool: ${req.op} timed out`)), timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        if (r.ok) resolve(r);
        else reject(new Error(r.error));
      });
      this.child.send({ ...req, id });
    });
  }
}

interface JoinOutcome {
  joined: number;
  failed: number;
  silent: number;
  joinMs: number[];
  errors: string[];
}

/** Joins `count` listeners spread over the pools, `rate` per second in all. */
async function joinListeners(pools: Pool[], target: PoolTarget, count: number, rate = JOIN_RATE): Promise<JoinOutcome> {
  const replies = await Promise.all(
    pools.map((p, i) => {
      const share = Math.floor(count / pools.length) + (i < count % pools.length ? 1 : 0);
      if (share === 0) return Promise.resolve<PoolReply>({ ok: true, joined: 0, failed: 0, silent: 0, joinMs: [], errors: [] });
      return p.request({ op: 'join', target, count: share, rate: rate / pools.length, startDelayMs: (i * 1000) / rate });
    }),
  );
  return {
    joined: replies.reduce((n, r) => n + (r.joined ?? 0), 0),
    failed: replies.reduce((n, r) => n + (r.failed ?? 0), 0),
    silent: replies.reduce((n, r) => n + (r.silent ?? 0), 0),
    joinMs: replies.flatMap((r) => r.joinMs ?? []),
    errors: replies.flatMap((r) => r.errors ?? []),
  };
}

async function snapshots(pools: Pool[]): Promise<PoolSnapshot> {
  const all = await Promise.all(pools.map((p) => p.request({ op: 'snapshot' })));
  return all.reduce<PoolSnapshot>(
    (a, r) => ({
      listeners: a.listeners + r.snapshot!.listeners,
      audio: a.audio + r.snapshot!.audio,
      video: a.video + r.snapshot!.video,
      lost: a.lost + r.snapshot!.lost,
    }),
    { listeners: 0, audio: 0, video: 0, lost: 0 },
  );
}

// ---------------------------------------------------------------- measurement

type Engine = string; // 'ours 1w' | 'ours 2w' | 'janus'

interface Row {
  scenario: string;
  engine: Engine;
  listeners: number;
  publishers: number;
  seconds: number;
  forwardedPps: number;
  audioPpsPerListener: number;
  videoPpsPerListener: number;
  lossPercent: number;
  serverCpuPercent: number;
  /** The server's main process alone; with media workers, the rest is the media plane. */
  serverMainProcessCpuPercent: number;
  cpuPer1kPps: number;
  cpuPercentPerListener: number;
  listenersPerCoreEstimate: number;
  rssMiB: number;
  rssKiBPerListener: number;
  loadCpuPercent: number;
  joinFailed: number;
  silent: number;
  /** Slope between the first and this step of the same run: CPU per extra 1k pkt/s, without fixed costs. */
  marginalCpuPer1kPps?: number;
  marginalListenersPerCore?: number;
}

/** Counters of packets received by bots in this process (speakers hear each other on our server). */
type LocalCounter = () => { audio: number; video: number; lost: number };

async function measure(
  scenario: string,
  engine: Engine,
  pid: number,
  pools: Pool[],
  local: LocalCounter,
  publishers: number,
  rssBaseMiB: number,
  join: JoinOutcome,
): Promise<Row> {
  const a0 = await snapshots(pools);
  const l0 = local();
  const cpu = cpuMeter(pid);
  const mainCpu = cpuMeterSelf(pid);
  // This process and all its descendants (pools, and the server or Janus, subtracted below).
  const everything = cpuMeter(process.pid);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const serverCpu = cpu.stop();
  const serverMainCpu = mainCpu.stop();
  const loadCpuPercent = everything.stop() - serverCpu;
  const seconds = (performance.now() - t0) / 1000;
  const a1 = await snapshots(pools);
  const l1 = local();
  const rss = rssMiB(pid);
  const listeners = a1.listeners;
  const audio = a1.audio - a0.audio;
  const video = a1.video - a0.video;
  const lost = a1.lost - a0.lost;
  const forwardedPps = (audio + video + (l1.audio - l0.audio) + (l1.video - l0.video)) / seconds;
  const cpuPer1kPps = serverCpu / (forwardedPps / 1000);
  const cpuPercentPerListener = serverCpu / Math.max(1, listeners);
  const row: Row = {
    scenario,
    engine,
    listeners,
    publishers,
    seconds: r1(seconds),
    forwardedPps: Math.round(forwardedPps),
    audioPpsPerListener: r1(audio / seconds / Math.max(1, listeners)),
    videoPpsPerListener: r1(video / seconds / Math.max(1, listeners)),
    lossPercent: r2((100 * lost) / Math.max(1, audio + lost)),
    serverCpuPercent: r1(serverCpu),
    serverMainProcessCpuPercent: r1(serverMainCpu),
    cpuPer1kPps: r2(cpuPer1kPps),
    cpuPercentPerListener: Math.round(cpuPercentPerListener * 1000) / 1000,
    listenersPerCoreEstimate: Math.round(100 / cpuPercentPerListener),
    rssMiB: r1(rss),
    rssKiBPerListener: Math.round(((rss - rssBaseMiB) * 1024) / Math.max(1, listeners)),
    loadCpuPercent: r1(loadCpuPercent),
    joinFailed: join.failed,
    silent: join.silent,
  };
  log(
    `${scenario} · ${engine}: ${listeners} listeners, ${row.forwardedPps} pkt/s forwarded, loss ${row.lossPercent} %, server CPU ${row.serverCpuPercent} % → ${row.cpuPer1kPps} %/1k pkt/s (load CPU ${row.loadCpuPercent} %)`,
  );
  if (join.errors.length) log(`  join errors: ${join.errors.join(' | ')}`);
  return row;
}

/** Joins listeners up to each count in turn and measures at each step; returns the last step under the loss limit, with the slope from the first step. */
async function ladder(
  scenario: string,
  engine: Engine,
  pid: number,
  pools: Pool[],
  local: LocalCounter,
  publishers: number,
  target: PoolTarget,
  counts: number[],
  steps: Row[],
): Promise<Row> {
  const rss0 = rssMiB(pid);
  let have = 0;
  let failed = 0;
  const measured: Row[] = [];
  for (const n of counts) {
    const j = await joinListeners(pools, target, n - have);
    have = n;
    failed += j.failed;
    await sleep(2000);
    const row = await measure(scenario, engine, pid, pools, local, publishers, rss0, { ...j, failed });
    measured.push(row);
    steps.push(row);
    if (row.lossPercent >= LOSS_LIMIT) break;
  }
  const ok = measured.filter((r) => r.lossPercent < LOSS_LIMIT && r.silent === 0);
  const best = ok[ok.length - 1] ?? measured[measured.length - 1]!;
  const first = measured[0]!;
  if (best !== first && best.forwardedPps > first.forwardedPps) {
    const dCpu = best.serverCpuPercent - first.serverCpuPercent;
    best.marginalCpuPer1kPps = r2(dCpu / ((best.forwardedPps - first.forwardedPps) / 1000));
    best.marginalListenersPerCore = dCpu > 0 ? Math.round(100 / (dCpu / (best.listeners - first.listeners))) : Infinity;
  }
  await Promise.all(pools.map((p) => p.request({ op: 'closeAll' })));
  return best;
}

// ---------------------------------------------------------------- our server

async function startOurs(workers: number, extraArgs: string[] = []): Promise<ServerProcess> {
  const server = await startServerProcess(['--media-workers', String(workers), ...extraArgs]);
  track(server.child);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const kids = descendantPids(server.pid);
    await server.stop();
    killPids(kids);
  };
  onCleanup(stop);
  return { ...server, stop };
}

interface OurStage {
  spaceId: string;
  speakers: NdcParticipant[];
  local: LocalCounter;
  close(): void;
}

async function ourStage(url: string, name: string, count: number): Promise<OurStage> {
  const run = Math.random().toString(36).slice(2, 8);
  const hostApi = new ApiClient(url);
  await hostApi.ensureAccount(`cap_${run}_h`, 'password123');
  const spaceId = (await hostApi.createSpace(name)).id;
  const host = await joinAsNdcParticipant(url, spaceId, { api: hostApi, tag: 1, recordSpeaking: false, logVideo: false });
  const speakers = [host];
  for (let i = 2; i <= count; i++) {
    const api = new ApiClient(url);
    await api.ensureAccount(`cap_${run}_s${i}`, 'password123');
    const s = await joinAsNdcParticipant(url, spaceId, { api, tag: i, recordSpeaking: false, logVideo: false });
    await s.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, s);
    speakers.push(s);
  }
  const deadline = Date.now() + 20_000;
  while (!speakers.every((s) => s.peer.state === 'connected')) {
    if (Date.now() > deadline) throw new Error('speakers did not connect');
    await sleep(50);
  }
  for (const s of speakers) s.peer.startSending();
  return {
    spaceId,
    speakers,
    local: () => {
      let audio = 0;
      let video = 0;
      let lost = 0;
      for (const s of speakers) {
        audio += s.peer.totalPackets();
        video += s.peer.videoPackets;
        for (const r of s.peer.received.values()) lost += r.lost;
      }
      return { audio, video, lost };
    },
    close: () => speakers.forEach((s) => s.close()),
  };
}

const half = (n: number) => Math.max(1, Math.round(n / 2));

async function oursScenarios(workers: number, pools: Pool[], rows: Row[], steps: Row[]): Promise<void> {
  const engine = `ours ${workers}w`;
  log(`starting our server with --media-workers ${workers}`);
  const server = await startOurs(workers);
  try {
    // 1. Audio Space: 10 on stage, 1–2 talking at a time (turns of 1.5 s: one, then two overlapping).
    {
      const stage = await ourStage(server.url, 'Capacity: audio space', STAGE);
      let tick = 0;
      const rotate = () => {
        const k = Math.floor(tick / 2) % stage.speakers.length;
        for (const [i, s] of stage.speakers.entries()) s.peer.setTalking(i === k || (tick % 2 === 1 && i === (k + 1) % stage.speakers.length));
        tick++;
      };
      rotate();
      const timer = setInterval(rotate, 1500);
      await sleep(1000);
      const target: PoolTarget = { kind: 'ours', url: server.url, spaceId: stage.spaceId };
      rows.push(await ladder(AUDIO_SCENARIO, engine, server.pid, pools, stage.local, STAGE, target, AUDIO_STEPS, steps));
      clearInterval(timer);
      stage.close();
      await sleep(1500);
    }
    // 2. The Janus comparison: every one of the 10 on stage talking, all the time. Janus
    // sends each listener all 10 voices; so that we forward the same packets, a server runs
    // with 10 audible speakers. Then the same room with our default of 3. Each on a fresh
    // server, as Janus is: the one above still winds down the 400 listeners that just left.
    for (const [scenario, audible] of [
      [COMPARE_SCENARIO, STAGE],
      [COMPARE_DEFAULT_SCENARIO, 0],
    ] as const) {
      const host = await startOurs(workers, audible ? ['--audible-speakers', String(audible)] : []);
      try {
        const stage = await ourStage(host.url, 'Capacity: all talking', STAGE);
        for (const s of stage.speakers) s.peer.setTalking(true);
        await sleep(1000);
        const target: PoolTarget = { kind: 'ours', url: host.url, spaceId: stage.spaceId };
        rows.push(await ladder(scenario, engine, host.pid, pools, stage.local, STAGE, target, [half(COMPARE_LISTENERS), COMPARE_LISTENERS], steps));
        stage.close();
        await sleep(1500);
      } finally {
        await host.stop();
      }
    }
    // 3. Broadcast: one publisher, audio plus 720p-like VP8 at ~1.5 Mbps.
    {
      const stage = await ourStage(server.url, 'Capacity: broadcast', 1);
      const host = stage.speakers[0]!;
      host.peer.setTalking(true);
      await host.signalling.act({ action: 'setCamera', on: true });
      // Our own bigger camera on the bot's "cam" track, with the SSRC its answer announced.
      const cam = new Vp8LikeSender(1, undefined, host.peer.cameras[0]!.ssrc);
      const deadline = Date.now() + 10_000;
      while (!host.peer.cameras[0]!.track?.isOpen()) {
        if (Date.now() > deadline) throw new Error('our camera track did not open');
        await sleep(50);
      }
      cam.attach(host.peer.cameras[0]!.track!);
      const stopVideo = drive([], [cam]);
      await sleep(1000);
      const target: PoolTarget = { kind: 'ours', url: server.url, spaceId: stage.spaceId };
      rows.push(await ladder(BROADCAST_SCENARIO, engine, server.pid, pools, stage.local, 1, target, [half(BROADCAST_LISTENERS), BROADCAST_LISTENERS], steps));
      stopVideo();
      stage.close();
    }
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- Janus

const nothingLocal: LocalCounter = () => ({ audio: 0, video: 0, lost: 0 });

async function janusScenarios(pools: Pool[], rows: Row[], steps: Row[]): Promise<void> {
  log('starting Janus 1.1.2 (VideoRoom, HTTP transport, loopback)');
  const janus: JanusProcess = await startJanus();
  track(janus.child);
  onCleanup(() => janus.stop());
  const session = await JanusSession.create(janus.url);
  try {
    {
      const room = 1000 + Math.floor(Math.random() * 1000);
      await createRoom(session, room, Math.max(16, STAGE));
      const pubs: JanusPublisher[] = [];
      for (let i = 0; i < STAGE; i++) {
        const p = new JanusPublisher(session, i + 1, false);
        await p.publish(room);
        pubs.push(p);
      }
      const stop = drive(
        pubs.map((p) => p.audio),
        [],
      );
      await sleep(1000);
      const target: PoolTarget = { kind: 'janus', url: janus.url, room, feeds: pubs.map((p) => p.feedId) };
      rows.push(await ladder(COMPARE_SCENARIO, 'janus', janus.pid, pools, nothingLocal, STAGE, target, [half(COMPARE_LISTENERS), COMPARE_LISTENERS], steps));
      stop();
      pubs.forEach((p) => p.close());
      await sleep(1500);
    }
    {
      const room = 2000 + Math.floor(Math.random() * 1000);
      await createRoom(session, room, 16);
      const pub = new JanusPublisher(session, 1, true);
      await pub.publish(room);
      const stop = drive([pub.audio], [pub.video!]);
      await sleep(1000);
      const target: PoolTarget = { kind: 'janus', url: janus.url, room, feeds: [pub.feedId] };
      rows.push(await ladder(BROADCAST_SCENARIO, 'janus', janus.pid, pools, nothingLocal, 1, target, [half(BROADCAST_LISTENERS), BROADCAST_LISTENERS], steps));
      stop();
      pub.close();
    }
  } finally {
    await session.destroy();
    await janus.stop();
  }
}

// ---------------------------------------------------------------- join storm (runLoad)

interface StormResult {
  listeners: number;
  joinRate: number;
  processes: number;
  workers: number;
  joined: number;
  failed: number;
  silent: number;
  joinMs: ReturnType<typeof summarize>;
  joinsNear1s: number;
  joinsOver1s: number;
  /** Join times by quarter of the storm, in join order: does the server slow down as it fills? */
  joinMsByQuarter: Array<{ p50: number; p99: number; near1s: number }>;
  /** Event-loop delay in the load processes while joining (the load shares the 2 cores). */
  loadLoopDelayMs: Array<{ p50: number; p99: number; max: number }>;
  lossPercent: number;
  listenerPpsMean: number;
  serverCpuPercent: number;
  forwardedPps: number;
  cpuPer1kPps: number;
  cpuPercentPerListener: number;
  listenersPerCoreEstimate: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssKiBPerListener: number;
  loadReports: Array<Pick<LoadReport, 'joined' | 'failed' | 'silent' | 'joinMs' | 'lossPercent' | 'errors'>>;
}

interface StormOutput {
  report: LoadReport;
  joins: Array<[number, number]>;
  loopDelayMs: { p50: number; p99: number; max: number };
}

const near1s = (ms: number) => ms >= 900 && ms < 1500;

async function joinStorm(STORM: number): Promise<StormResult> {
  log(`join storm: ${STORM} listeners at ${STORM_RATE}/s over ${STORM_PROCESSES} load process(es), server with ${STORM_WORKERS} media worker(s)`);
  const server = await startOurs(STORM_WORKERS);
  try {
    const stage = await ourStage(server.url, 'Capacity: join storm', 2);
    stage.speakers[0]!.peer.setTalking(true);
    await sleep(1500);
    const rssBefore = rssMiB(server.pid);
    const children = Array.from({ length: STORM_PROCESSES }, (_, i) => {
      const share = Math.floor(STORM / STORM_PROCESSES) + (i < STORM % STORM_PROCESSES ? 1 : 0);
      return track(
        spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            fileURLToPath(new URL('./storm-worker.ts', import.meta.url)),
            server.url,
            stage.spaceId,
            String(share),
            String(STORM_RATE / STORM_PROCESSES),
            String(SECONDS),
            String((i * 1000) / STORM_RATE),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        ),
      );
    });
    let measuringCount = 0;
    let meter: { stop(): number } | null = null;
    let rssAfter = 0;
    let cpuPct = NaN;
    const outputs = await Promise.all(
      children.map(
        (child) =>
          new Promise<StormOutput>((resolve, reject) => {
            let result: StormOutput | null = null;
            createInterface({ input: child.stdout! }).on('line', (line) => {
              if (!line.startsWith('{')) return;
              const m = JSON.parse(line) as { measuring?: boolean } & Partial<StormOutput>;
              if (m.measuring) {
                if (++measuringCount === children.length) {
                  meter = cpuMeter(server.pid);
                  rssAfter = rssMiB(server.pid);
                }
              } else if (m.report) {
                if (meter && Number.isNaN(cpuPct)) cpuPct = (meter as { stop(): number }).stop();
                result = { report: m.report, joins: m.joins ?? [], loopDelayMs: m.loopDelayMs ?? { p50: NaN, p99: NaN, max: NaN } };
              }
            });
            child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`storm worker exited with ${code}`))));
          }),
      ),
    );
    stage.close();
    const ordered = outputs.flatMap((o) => o.joins).sort((x, y) => x[0] - y[0]);
    const all = ordered.map((j) => j[1]);
    const q = Math.ceil(all.length / 4);
    const joinMsByQuarter = [0, 1, 2, 3].map((i) => {
      const part = all.slice(i * q, (i + 1) * q);
      const sm = rounded(summarize(part));
      return { p50: sm.p50, p99: sm.p99, near1s: part.filter(near1s).length };
    });
    const joined = outputs.reduce((n, o) => n + o.report.joined, 0);
    const ppsMean = outputs.reduce((n, o) => n + o.report.listenerPps.mean * o.report.joined, 0) / Math.max(1, joined);
    const lostWeighted = outputs.reduce((n, o) => n + o.report.lossPercent * o.report.joined, 0) / Math.max(1, joined);
    const forwardedPps = ppsMean * joined;
    const result: StormResult = {
      listeners: STORM,
      joinRate: STORM_RATE,
      processes: STORM_PROCESSES,
      workers: STORM_WORKERS,
      joined,
      failed: outputs.reduce((n, o) => n + o.report.failed, 0),
      silent: outputs.reduce((n, o) => n + o.report.silent, 0),
      joinMs: rounded(summarize(all)),
      joinsNear1s: all.filter(near1s).length,
      joinsOver1s: all.filter((ms) => ms >= 1000).length,
      joinMsByQuarter,
      loadLoopDelayMs: outputs.map((o) => ({ p50: r1(o.loopDelayMs.p50), p99: r1(o.loopDelayMs.p99), max: r1(o.loopDelayMs.max) })),
      lossPercent: r2(lostWeighted),
      listenerPpsMean: r1(ppsMean),
      serverCpuPercent: r1(cpuPct),
      forwardedPps: Math.round(forwardedPps),
      cpuPer1kPps: r2(cpuPct / (forwardedPps / 1000)),
      cpuPercentPerListener: Math.round((cpuPct / Math.max(1, joined)) * 1000) / 1000,
      listenersPerCoreEstimate: Math.round(100 / (cpuPct / Math.max(1, joined))),
      rssBeforeMiB: r1(rssBefore),
      rssAfterMiB: r1(rssAfter),
      rssKiBPerListener: Math.round(((rssAfter - rssBefore) * 1024) / Math.max(1, joined)),
      loadReports: outputs.map((o) => ({
        joined: o.report.joined,
        failed: o.report.failed,
        silent: o.report.silent,
        joinMs: o.report.joinMs,
        lossPercent: o.report.lossPercent,
        errors: o.report.errors,
      })),
    };
    log(
      `join storm: ${joined} joined, ${result.failed} failed, ${result.silent} silent; join p50 ${result.joinMs.p50} ms, p99 ${result.joinMs.p99} ms; server CPU ${result.serverCpuPercent} %`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------- main

const t0 = performance.now();
const rows: Row[] = [];
const ramp: Row[] = [];
const storms: StormResult[] = [];
const notes: string[] = [];
let exitCode = 0;
try {
  if (!STORMS_ONLY) {
    const pools = await Promise.all(Array.from({ length: POOLS }, () => Pool.start()));
    for (const w of WORKERS) await oursScenarios(w, pools, rows, ramp);
    if (WITH_JANUS && janusInstalled()) await janusScenarios(pools, rows, ramp);
    else if (WITH_JANUS) notes.push('Janus is not installed (apt-get install -y janus): no side-by-side rows');
    for (const p of pools) p.child.disconnect();
  }
  for (const n of STORMS) storms.push(await joinStorm(n));
} catch (e) {
  exitCode = 1;
  console.error(e);
} finally {
  await cleanupAll();
}
report();
process.exit(exitCode);

function report(): void {
  const engines = [...WORKERS.map((w) => `ours ${w}w`), 'janus'];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const table: Record<string, Record<string, string | number>> = {};
  for (const s of scenarios) {
    for (const e of engines) {
      const r = rows.find((x) => x.scenario === s && x.engine === e);
      const key = `${s} · ${e}`;
      if (!r) {
        if (e === 'janus' && s === AUDIO_SCENARIO && rows.some((x) => x.engine === 'janus'))
          table[key] = { note: 'n/a: Janus forwards silent speakers too, so this is its all-talking row' };
        continue;
      }
      table[key] = {
        listeners: r.listeners,
        'fwd pkt/s': r.forwardedPps,
        'pkt/s per listener a+v': `${r.audioPpsPerListener}+${r.videoPpsPerListener}`,
        'loss %': r.lossPercent,
        'server CPU % (main)': `${r.serverCpuPercent} (${r.serverMainProcessCpuPercent})`,
        'CPU %/1k pkt/s': r.cpuPer1kPps,
        'marginal CPU %/1k pkt/s': r.marginalCpuPer1kPps ?? '',
        'listeners/core (all-in)': r.listenersPerCoreEstimate,
        'listeners/core (marginal)': r.marginalListenersPerCore ?? '',
        'RSS MiB': r.rssMiB,
        'KiB/listener': r.rssKiBPerListener,
        'load CPU %': r.loadCpuPercent,
      };
    }
  }
  console.log(`\ncapacity benchmark (loopback, 2 cores shared with the load; ${SECONDS} s windows; CPU in % of one core, all of the server's processes)\n`);
  console.table(table);
  if (ramp.length) {
    console.log('\nevery measured step (a row above is the last step of its ladder under 0.5 % loss; "marginal" is the slope from the first step)\n');
    console.table(
      Object.fromEntries(
        ramp.map((r) => [
          `${r.scenario.split(' (')[0]} · ${r.engine} · ${r.listeners}`,
          {
            'fwd pkt/s': r.forwardedPps,
            'loss %': r.lossPercent,
            'server CPU % (main)': `${r.serverCpuPercent} (${r.serverMainProcessCpuPercent})`,
            'CPU %/1k pkt/s': r.cpuPer1kPps,
            'CPU % per listener': r.cpuPercentPerListener,
            'RSS MiB': r.rssMiB,
            'load CPU %': r.loadCpuPercent,
            'failed/silent': `${r.joinFailed}/${r.silent}`,
          },
        ]),
      ),
    );
  }
  const ratios: Record<string, { allIn: number; marginal: number | null }> = {};
  for (const s of scenarios) {
    const j = rows.find((x) => x.scenario === s && x.engine === 'janus');
    if (!j) continue;
    for (const w of WORKERS) {
      const o = rows.find((x) => x.scenario === s && x.engine === `ours ${w}w`);
      if (!o) continue;
      const marginal =
        o.marginalCpuPer1kPps !== undefined && j.marginalCpuPer1kPps !== undefined && j.marginalCpuPer1kPps > 0
          ? r2(o.marginalCpuPer1kPps / j.marginalCpuPer1kPps)
          : null;
      ratios[`${s} · ours ${w}w / janus`] = { allIn: r2(o.cpuPer1kPps / j.cpuPer1kPps), marginal };
    }
  }
  if (Object.keys(ratios).length) {
    console.log('\nCPU per forwarded packet, ours / Janus (goal ≤ 1.0): all-in, and marginal (slope between the two steps)\n');
    console.table(ratios);
  }
  // What a room costs, rather than a packet: all 10 talking, our default (3 audible) against Janus (all 10 sent).
  const sameRoom: Record<string, number> = {};
  const janusRoom = rows.find((x) => x.scenario === COMPARE_SCENARIO && x.engine === 'janus');
  for (const w of WORKERS) {
    const o = rows.find((x) => x.scenario === COMPARE_DEFAULT_SCENARIO && x.engine === `ours ${w}w`);
    if (janusRoom && o && o.listeners === janusRoom.listeners && janusRoom.serverCpuPercent > 0)
      sameRoom[`ours ${w}w (3 audible) / janus (all 10), ${o.listeners} listeners`] = r2(o.serverCpuPercent / janusRoom.serverCpuPercent);
  }
  if (Object.keys(sameRoom).length) {
    console.log('\nserver CPU for the same room (all 10 talking), ours with its default / Janus\n');
    console.table(sameRoom);
  }
  for (const storm of storms) {
    console.log(
      `\njoin storm: ${storm.listeners} listeners at ${storm.joinRate}/s (runLoad in ${storm.processes} load processes; server with ${storm.workers} media workers; 1 speaker talking)\n`,
    );
    console.table({
      'joined / failed / silent': `${storm.joined} / ${storm.failed} / ${storm.silent}`,
      'join ms (request → first audio)': `p50 ${storm.joinMs.p50} · p95 ${storm.joinMs.p95} · p99 ${storm.joinMs.p99} · max ${storm.joinMs.max}`,
      'join ms by quarter of the storm (p50 / p99)': storm.joinMsByQuarter.map((x) => `${x.p50}/${x.p99}`).join(' · '),
      'joins at ~1 s (0.9–1.5 s, DTLS retransmit) / ≥ 1 s': `${storm.joinsNear1s} / ${storm.joinsOver1s} (by quarter: ${storm.joinMsByQuarter.map((x) => x.near1s).join(', ')})`,
      'load event-loop delay while joining ms (p99 / max)': storm.loadLoopDelayMs.map((x) => `${x.p99}/${x.max}`).join(' · '),
      'loss % (after joining)': storm.lossPercent,
      'server CPU % / forwarded pkt/s': `${storm.serverCpuPercent} / ${storm.forwardedPps}`,
      'CPU %/1k pkt/s': storm.cpuPer1kPps,
      'server RSS MiB before → after': `${storm.rssBeforeMiB} → ${storm.rssAfterMiB}`,
      'memory per listener KiB': storm.rssKiBPerListener,
    });
  }
  const goals: Record<string, string> = {};
  for (const [k, v] of Object.entries(ratios))
    goals[`ours/Janus CPU per pkt · ${k.replace(' / janus', '')}`] =
      `all-in ${v.allIn}, marginal ${v.marginal ?? 'n/a'} (goal ≤ 1.0: ${v.allIn <= 1 ? 'met' : 'not met'})`;
  for (const r of rows.filter((x) => x.scenario === AUDIO_SCENARIO)) {
    goals[`audio listeners per core · ${r.engine}`] =
      `measured: ${r.listeners} listeners (${r.audioPpsPerListener} pkt/s each) at ${r.serverCpuPercent} % CPU, ${r.lossPercent} % loss; extrapolated: ${r.listenersPerCoreEstimate}/core all-in, ${r.marginalListenersPerCore ?? 'n/a'}/core marginal (goal ≥ 2,000)`;
  }
  for (const storm of storms) {
    const loadOk = storm.loadLoopDelayMs.every((x) => x.p99 < 200);
    goals[`join storm ${storm.listeners} · load generator`] = loadOk
      ? "not saturated (event-loop p99 < 200 ms): join times are the server's"
      : 'SATURATED (event-loop p99 ≥ 200 ms): join times after the first quarter measure the load generator, not the server';
    goals[`audio listeners per core · join storm ${storm.listeners}`] =
      `measured: ${storm.joined} listeners (${storm.listenerPpsMean} pkt/s each) at ${storm.serverCpuPercent} % CPU; extrapolated: ${storm.listenersPerCoreEstimate}/core all-in (goal ≥ 2,000)`;
    goals[`join p50 / p99 at 50/s · storm ${storm.listeners}`] =
      `${storm.joinMs.p50} / ${storm.joinMs.p99} ms (goal < 300 / < 1,000: ${storm.joinMs.p50 < 300 && storm.joinMs.p99 < 1000 ? 'met' : 'not met'}); ${storm.joinsNear1s} joins at ~1 s; first quarter p50/p99 ${storm.joinMsByQuarter[0]?.p50}/${storm.joinMsByQuarter[0]?.p99}`;
    goals[`memory per listener · storm ${storm.listeners}`] =
      `${storm.rssKiBPerListener} KiB (server RSS delta / ${storm.joined} listeners, ${storm.workers} media workers)`;
  }
  console.log('\ngoals (measured vs extrapolated as said)\n');
  console.table(goals);
  for (const n of notes) console.log(`note: ${n}`);
  const perCore = [
    ...rows.filter((r) => r.scenario === AUDIO_SCENARIO).map((r) => r.listenersPerCoreEstimate),
    ...storms.map((x) => x.listenersPerCoreEstimate),
  ];
  console.log(
    JSON.stringify({
      bench: 'capacity',
      seconds: SECONDS,
      totalSeconds: Math.round((performance.now() - t0) / 1000),
      rows,
      steps: ramp,
      ratios,
      sameRoom,
      storms,
      audioListenersPerCoreAllInMax: perCore.length ? Math.max(...perCore) : null,
      notes,
      ok: exitCode === 0,
    }),
  );
}
