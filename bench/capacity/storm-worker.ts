// A child process of the capacity benchmark: one share of the join storm, run with the load
// generator (src/load/load-generator.ts runLoad) against a Space the parent created (the
// parent's speakers talk). Prints one JSON line: the LoadReport plus every join time.
//
// runLoad reports join-time percentiles but not the individual times, which we need to
// merge shares and count the joins that waited for a DTLS retransmission (~1 s). So this
// process records, without changing what runLoad does, when each listener's signalling
// started connecting and, when its peer closes, when its first audio packet arrived.
import { runLoad } from '../../src/load/load-generator.js';
import { SignallingClient } from '../../src/sdk/signalling.js';
import { NdcPeer } from '../../src/bots/ndc-peer.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const [url, spaceId, listeners, rate, seconds, delayMs] = process.argv.slice(2);
const started = new WeakMap<object, number>();
/** [epoch ms when the join started, join ms], so the parent can order joins across processes. */
const joins: Array<[number, number]> = [];
/** This process's event-loop delay while joining: a busy load generator delays joins too. */
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();

const connect = SignallingClient.prototype.connect;
SignallingClient.prototype.connect = function (this: SignallingClient) {
  if (!started.has(this)) started.set(this, performance.now());
  return connect.call(this);
};
const close = NdcPeer.prototype.close;
NdcPeer.prototype.close = function (this: NdcPeer) {
  const t0 = started.get(this.options.signalling);
  if (t0 !== undefined && this.firstPacketPerfMs > 0) joins.push([performance.timeOrigin + t0, this.firstPacketPerfMs - t0]);
  close.call(this);
};

await new Promise((r) => setTimeout(r, Number(delayMs ?? 0)));
const report = await runLoad(
  { url: url!, spaceId: spaceId!, speakers: 0, talking: 0, videoPublishers: 0, listeners: Number(listeners), joinRate: Number(rate), seconds: Number(seconds) },
  (line) => {
    if (line.startsWith('measuring')) {
      lag.disable();
      process.stdout.write(JSON.stringify({ measuring: true }) + '\n');
    }
  },
);
const loopDelayMs = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
process.stdout.write(JSON.stringify({ report, joins, loopDelayMs }) + '\n');
process.exit(0);
