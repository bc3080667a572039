// Allocation on the forwarding path: drives the real AudioPublisher → DownstreamSlot code
// with RTP packets and 200 subscribers, and counts garbage collections and heap growth per
// forwarded packet. The baseline, in the same run, is the naive forwarder we chose not to
// write: a fresh copy of the packet for each subscriber before rewriting it.
//
//   npm run bench:alloc
//
// The "tracks" here are sinks that count what they are given, so that only our own code is
// measured (node-datachannel's binding copies each sent packet into C++ memory either way).
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { writeRtpSequence, writeRtpSsrc, writeRtpTimestamp } from '../src/wire/rtp.js';
import { audioFanOut, countingSink, opusPacket, restampOpusPacket } from './lib/forwarding.js';

const SUBSCRIBERS = 200;
const PACKETS = 50_000;

const { track: sink, bytes: sunk } = countingSink();

/** The incoming packets are made up front: node-datachannel allocates one per received packet in any design. */
const incoming = Array.from({ length: PACKETS }, (_, i) => opusPacket(i));

/** Forwarding rewrites packets in place, so each run starts from pristine headers. */
function resetIncoming(): void {
  for (let i = 0; i < PACKETS; i++) restampOpusPacket(incoming[i]!, i);
}

let forwardedByOurs = 0;

function ours(): void {
  const { publisher: pub, counters } = audioFanOut(SUBSCRIBERS, sink);
  const t0 = Date.now();
  for (let i = 0; i < PACKETS; i++) pub.onMessage(incoming[i]!, t0 + i * 20);
  forwardedByOurs = counters.packetsOut;
}

function naive(): void {
  const ssrcs = Array.from({ length: SUBSCRIBERS }, (_, i) => 1000 + i);
  for (let i = 0; i < PACKETS; i++) {
    const src = incoming[i]!;
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const copy = Buffer.from(src); // a fresh buffer per subscriber
      writeRtpSsrc(copy, ssrcs[s]!);
      writeRtpSequence(copy, i & 0xffff);
      writeRtpTimestamp(copy, i * 960);
      sink.sendMessageBinary(copy);
    }
  }
}

async function measure(name: string, run: () => void): Promise<Record<string, number | string>> {
  let gcs = 0;
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcs++;
      gcMs += e.duration;
      void constants;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  resetIncoming();
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  run();
  const ms = performance.now() - t0;
  const heap1 = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 50)); // let the observer deliver
  obs.disconnect();
  const forwarded = PACKETS * SUBSCRIBERS;
  return {
    forwarder: name,
    'forwarded packets': forwarded,
    GCs: gcs,
    'GC ms': Math.round(gcMs),
    'heap growth + collected per 1k forwarded (bytes, lower bound)': Math.max(0, Math.round(((heap1 - heap0) / forwarded) * 1000)),
    'GCs per 1M forwarded': Math.round((gcs / forwarded) * 1e6 * 10) / 10,
    'ns per forwarded packet': Math.round((ms * 1e6) / forwarded),
  };
}

resetIncoming();
ours(); // warm up the JIT on both paths
naive();
const rows = [await measure('ours (in place)', ours), await measure('baseline (copy per subscriber)', naive)];
if (forwardedByOurs !== PACKETS * SUBSCRIBERS) throw new Error(`ours forwarded ${forwardedByOurs}, expected ${PACKETS * SUBSCRIBERS}`);
console.log(`\nforwarding ${PACKETS} packets to ${SUBSCRIBERS} subscribers (${sunk() > 0 ? 'sink ok' : 'sink empty'})\n`);
console.table(rows);
console.log(JSON.stringify({ bench: 'forwarding-alloc', subscribers: SUBSCRIBERS, packets: PACKETS, ours: rows[0], baseline: rows[1] }));
