// Listener churn: what the peers that already left cost every later packet. Opens and closes
// real server peers (src/media/transport/peer.ts: microphone, two camera layers, stage video, three
// audio slots) in rounds, and after each round measures one event-loop wake-up: libuv walks
// every async handle on each wake-up, and node-datachannel holds one per track callback.
// Each arm runs in its own process, so that one's leftovers cannot weigh on the other:
//   ours      Peer.close(), which closes every track and then the connection;
//   baseline  pc.close() alone, as before: the tracks' message callbacks stay registered.
//
//   npm run bench:churn [-- --rounds 3 --peers 2000]
import { pino } from 'pino';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Peer } from '../src/media/transport/peer.js';
import { createCounters } from '../src/media/counters.js';
import { parseCommandLine } from '../src/cli/args.js';
import { IGNORED_PEER_EVENTS } from '../test/helpers/peer-events.js';

const { flags } = parseCommandLine(process.argv.slice(2), { rounds: 'string', peers: 'string', child: 'string' });
const ROUNDS = Number(flags.rounds ?? 3);
const PEERS = Number(flags.peers ?? 2000);
const WAKEUPS = 20_000;
type Arm = 'ours' | 'baseline';

interface ArmResult {
  arm: Arm;
  /** µs per wake-up before any peer, then after each round of PEERS closed peers. */
  wakeupUs: number[];
}

/** Mean cost of one event-loop wake-up, from a MessagePort ping-pong (each message is a uv_async wake-up). */
async function wakeupCostUs(): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  let left = WAKEUPS;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    port2.on('message', () => {
      if (--left === 0) resolve();
      else port1.postMessage(0);
    });
    port1.postMessage(0);
  });
  port1.close();
  port2.close();
  return Number(process.hrtime.bigint() - t0) / 1000 / WAKEUPS;
}

async function runArm(arm: Arm): Promise<ArmResult> {
  const transport = { udpPort: 45000 + Math.floor(Math.random() * 4000), bindAddress: '127.0.0.1', iceServers: [] };
  const counters = createCounters();
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 300));
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));
  };
  const wakeupUs = [await wakeupCostUs()];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < PEERS; i++) {
      const peer = new Peer(`p${round}-${i}`, transport, counters, IGNORED_PEER_EVENTS, 3, pino({ level: 'silent' }));
      if (arm === 'ours') peer.close();
      else peer.pc.close();
    }
    await settle();
    wakeupUs.push(await wakeupCostUs());
  }
  return { arm, wakeupUs };
}

if (process.argv.includes('--child')) {
  const arm = process.argv[process.argv.indexOf('--child') + 1] as Arm;
  process.send!(await runArm(arm));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const results: ArmResult[] = [];
for (const arm of ['ours', 'baseline'] as const) {
  const child = fork(self, ['--child', arm, '--rounds', String(ROUNDS), '--peers', String(PEERS)], { execArgv: ['--expose-gc', '--import', 'tsx'] });
  results.push(
    await new Promise<ArmResult>((resolve, reject) => {
      child.once('message', (m) => resolve(m as ArmResult));
      child.once('exit', (code) => (code ? reject(new Error(`${arm} exited with ${code}`)) : undefined));
    }),
  );
}
const r2 = (x: number) => Math.round(x * 100) / 100;
const table: Record<string, Record<string, number>> = {};
for (const r of results) {
  table[r.arm === 'ours' ? 'ours: Peer.close() closes the tracks' : 'baseline: pc.close() alone'] = Object.fromEntries(
    r.wakeupUs.map((us, i) => [i === 0 ? 'µs/wake-up, fresh' : `after ${i * PEERS} closed peers`, r2(us)]),
  );
}
console.log(`\nevent-loop wake-up cost as closed peers accumulate (${PEERS} per round, 7 tracks each; ${WAKEUPS} wake-ups per measurement)\n`);
console.table(table);
const last = (r: ArmResult) => r.wakeupUs[r.wakeupUs.length - 1]!;
const [ours, baseline] = results as [ArmResult, ArmResult];
console.log(
  JSON.stringify({
    bench: 'peer-churn',
    peersPerRound: PEERS,
    rounds: ROUNDS,
    ours: ours.wakeupUs.map(r2),
    baseline: baseline.wakeupUs.map(r2),
    finalRatioBaselineToOurs: r2(last(baseline) / last(ours)),
  }),
);
