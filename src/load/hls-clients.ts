// A simulated HLS audience: N players that each load the master playlist, pick a variant
// (audio-only or video) and then behave like hls.js on a live stream: reload the media
// playlist about every target duration (half of it when nothing changed), fetch the init
// segment once and every new segment, starting a few segments behind the live edge. Used to
// put a CDN-sized audience on a cache in tests and benchmarks; bounded in clients and time
// and aimed at this machine only, like the WebRTC load generator.
//
// It keeps counters, not bodies: a 5,000-client run holds a few numbers per client and one
// set of segment URIs for the whole audience.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import { isLoopback, MAX_SECONDS } from './plan.js';
import { rounded, summarize, type Summary } from './stats.js';
import { newSegments, playlistsFor } from './hls-playlists.js';
import { parseMasterPlaylist, parseMediaPlaylist, type MediaPlaylist } from '../protocol/hls-playlists.js';

export const MAX_HLS_CLIENTS = 5000;

export const hlsAudiencePlanSchema = z
  .object({
    /** The master playlist, e.g. http://127.0.0.1:8081/hls/<spaceId>/master.m3u8; loopback only. */
    masterUrl: z.string().url(),
    clients: z.number().int().min(1).max(MAX_HLS_CLIENTS),
    /** Which variant every client plays. */
    variant: z.enum(['audio', 'video']).default('audio'),
    /** Wall time of the whole run, ramp included. */
    seconds: z.number().positive().max(MAX_SECONDS),
    /** Clients start spread evenly over this long: an audience does not arrive in one millisecond. */
    rampSeconds: z.number().min(0).max(60).default(1),
    /** Reload intervals vary by ± this fraction, so clients do not poll in lockstep. */
    jitter: z.number().min(0).max(0.9).default(0.2),
    /** Segments behind the live edge a client starts at (hls.js's liveSyncDurationCount is 3). */
    startBehind: z.number().int().min(1).max(10).default(3),
    requestTimeoutMs: z.number().int().positive().max(60_000).default(10_000),
    /**
     * Requests in flight at once, over all clients. Every one holds a connection: past what
     * this process can serve, undici would open ever more of them (its pool adds one whenever
     * all are busy) and the generator, not the server, would become what is measured.
     */
    maxInFlight: z.number().int().min(1).max(MAX_HLS_CLIENTS).default(1000),
  })
  .refine((p) => p.rampSeconds < p.seconds, { message: 'the ramp must end before the run does' })
  .refine((p) => isLoopback(p.masterUrl), { message: 'HLS audiences run only against this machine (loopback addresses)' });

export type HlsAudiencePlan = z.input<typeof hlsAudiencePlanSchema>;

/**
 * `missed`: segments that slid out of the window unfetched, or whose fetch failed. `keptUp`:
 * fetched at least one segment and every segment that appeared while it watched.
 */
export type HlsClientResult = { segments: number; missed: number; errors: number; keptUp: boolean };

export interface HlsAudienceReport {
  clients: number;
  variant: 'audio' | 'video';
  requests: { master: number; playlist: number; init: number; segment: number; total: number };
  bytes: number;
  errors: number;
  /** A few distinct error messages, for the log. */
  errorSamples: string[];
  distinctSegments: number;
  distinctInits: number;
  segmentsPerClient: Summary;
  keptUp: number;
  /** Clients that started but fetched no segment at all. */
  noSegments: number;
  resets: number;
  windowSeconds: number;
  /**
   * This process's event-loop delay during the run. When it is a large part of a segment's
   * duration, the generator was the bottleneck and "kept up" says more about it than about
   * the server: use fewer clients per process.
   */
  loopDelayMs: { p50: number; p99: number; max: number };
  perClient: HlsClientResult[];
}

type Kind = 'master' | 'playlist' | 'init' | 'segment';

interface Run {
  plan: z.output<typeof hlsAudiencePlanSchema>;
  report: HlsAudienceReport;
  deadline: number;
  stopped: boolean;
  // What the end of the run cuts short: requests in flight and sleeping clients. Sets, not
  // listeners on one AbortSignal: EventTarget's add/remove scan their listener list, which
  // made thousands of clients spend a fifth of their CPU there.
  inflight: Set<AbortController>;
  sleepers: Set<() => void>;
  /** Free request slots, and clients waiting for one (first come, first served). */
  slots: number;
  waiting: Array<() => void>;
  segmentUris: Set<string>;
  initUris: Set<string>;
}

const sleepUntil = (run: Run, at: number) =>
  new Promise<void>((resolve) => {
    const ms = Math.min(at, run.deadline) - performance.now();
    if (ms <= 0 || run.stopped) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      run.sleepers.delete(done);
      resolve();
    }
    run.sleepers.add(done);
  });

function acquire(run: Run): Promise<void> | void {
  if (run.slots > 0) run.slots--;
  else return new Promise((resolve) => run.waiting.push(resolve));
}

function release(run: Run): void {
  const next = run.waiting.shift();
  if (next) next();
  else run.slots++;
}

function stopRun(run: Run): void {
  run.stopped = true;
  for (const ac of run.inflight) ac.abort();
  for (const wake of run.sleepers) wake();
  for (const next of run.waiting.splice(0)) next();
}

/**
 * One GET. Playlists come back as text; media is counted as it streams and dropped, so a
 * big audience does not hold segments in memory. null on failure (counted), and on the end
 * of the run (not counted: a request cut by the deadline is not the server's fault).
 */
async function get(run: Run, client: HlsClientResult, url: string, kind: Kind): Promise<string | number | null> {
  await acquire(run);
  if (run.stopped) return null;
  run.report.requests[kind]++;
  run.report.requests.total++;
  const ac = new AbortController();
  run.inflight.add(ac);
  const timer = setTimeout(() => ac.abort(new DOMException('no answer in time', 'TimeoutError')), run.plan.requestTimeoutMs);
  try {
    const res = await fetch(url, { signal: ac.signal });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      fail(run, client, `${kind} ${res.status} ${new URL(url).pathname}`);
      return null;
    }
    if (kind === 'master' || kind === 'playlist') {
      const text = await res.text();
      run.report.bytes += Buffer.byteLength(text);
      return text;
    }
    let n = 0;
    const reader = res.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.byteLength;
    run.report.bytes += n;
    return n;
  } catch (err) {
    if (!run.stopped) fail(run, client, `${kind} ${(err as Error).name}: ${(err as Error).message}`);
    return null;
  } finally {
    clearTimeout(timer);
    run.inflight.delete(ac);
    release(run);
  }
}

function fail(run: Run, client: HlsClientResult, message: string): void {
  client.errors++;
  run.report.errors++;
  const samples = run.report.errorSamples;
  if (samples.length < 10 && !samples.includes(message)) samples.push(message);
}

/** ± jitter around `ms`, so a thousand clients started together drift apart. */
function jittered(run: Run, ms: number): number {
  return ms * (1 + run.plan.jitter * (2 * Math.random() - 1));
}

async function runClient(run: Run, client: HlsClientResult): Promise<void> {
  const { plan } = run;
  // The master: retried while the stream is not up yet (404), like a player's retry policy.
  let playlists: string[] | null = null;
  while (!playlists && performance.now() < run.deadline) {
    const text = await get(run, client, plan.masterUrl, 'master');
    if (typeof text === 'string') {
      try {
        playlists = playlistsFor(parseMasterPlaylist(text, plan.masterUrl), plan.variant);
      } catch (err) {
        fail(run, client, `master: ${(err as Error).message}`);
      }
    }
    if (!playlists) await sleepUntil(run, performance.now() + jittered(run, 1000));
  }
  if (!playlists) return;
  const tracks = playlists.map((uri) => ({ uri, lastSeq: null as number | null, init: null as string | null, ended: false }));

  while (performance.now() < run.deadline && tracks.some((t) => !t.ended)) {
    const startedAt = performance.now();
    let target = 1;
    let changed = false;
    for (const track of tracks) {
      if (track.ended) continue;
      const text = await get(run, client, track.uri, 'playlist');
      if (typeof text !== 'string') continue;
      let pl: MediaPlaylist;
      try {
        pl = parseMediaPlaylist(text, track.uri);
      } catch (err) {
        fail(run, client, `playlist: ${(err as Error).message}`);
        continue;
      }
      target = pl.targetDuration;
      const { fresh, missed, reset } = newSegments(pl, track.lastSeq, plan.startBehind);
      client.missed += missed;
      if (reset) run.report.resets++;
      for (const seg of fresh) {
        if (run.stopped) break;
        if (seg.map && seg.map !== track.init) {
          if ((await get(run, client, seg.map, 'init')) === null) break;
          track.init = seg.map;
          run.initUris.add(seg.map);
        }
        const got = await get(run, client, seg.uri, 'segment');
        if (got === null) {
          // Cut by the deadline: not a miss. A failed segment is skipped, as a player would.
          if (run.stopped) break;
          client.missed++;
        } else {
          client.segments++;
          run.segmentUris.add(seg.uri);
        }
        track.lastSeq = seg.seq;
        changed = true;
      }
      if (pl.ended) track.ended = true;
    }
    if (tracks.every((t) => t.ended)) break;
    // hls.js reloads a live playlist every target duration, and after half of it when the
    // last reload brought nothing new.
    await sleepUntil(run, startedAt + jittered(run, (changed ? target : target / 2) * 1000));
  }
}

export async function runHlsAudience(input: HlsAudiencePlan): Promise<HlsAudienceReport> {
  const plan = hlsAudiencePlanSchema.parse(input);
  const t0 = performance.now();
  const report: HlsAudienceReport = {
    clients: plan.clients,
    variant: plan.variant,
    bytes: 0,
    errors: 0,
    errorSamples: [],
    perClient: [],
    requests: { master: 0, playlist: 0, init: 0, segment: 0, total: 0 },
    distinctSegments: 0,
    distinctInits: 0,
    segmentsPerClient: summarize([]),
    keptUp: 0,
    noSegments: 0,
    resets: 0,
    windowSeconds: 0,
    loopDelayMs: { p50: 0, p99: 0, max: 0 },
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const run: Run = {
    plan,
    report,
    deadline: t0 + plan.seconds * 1000,
    stopped: false,
    inflight: new Set(),
    sleepers: new Set(),
    slots: plan.maxInFlight,
    waiting: [],
    segmentUris: new Set(),
    initUris: new Set(),
  };
  // The deadline also cuts requests in flight, so a hung server cannot stretch the run.
  const timer = setTimeout(() => stopRun(run), plan.seconds * 1000);
  try {
    const clients = Array.from({ length: plan.clients }, (): HlsClientResult => ({ segments: 0, missed: 0, errors: 0, keptUp: false }));
    const spacing = (plan.rampSeconds * 1000) / plan.clients;
    await Promise.all(
      clients.map(async (client, i) => {
        await sleepUntil(run, t0 + i * spacing);
        await runClient(run, client);
      }),
    );
    for (const c of clients) c.keptUp = c.segments > 0 && c.missed === 0;
    report.perClient = clients;
    report.keptUp = clients.filter((c) => c.keptUp).length;
    report.noSegments = clients.filter((c) => c.segments === 0).length;
    report.segmentsPerClient = rounded(summarize(clients.map((c) => c.segments)));
    report.distinctSegments = run.segmentUris.size;
    report.distinctInits = run.initUris.size;
    report.windowSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const ms = (ns: number) => Math.round(ns / 1e6);
    report.loopDelayMs = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
    return report;
  } finally {
    loopDelay.disable();
    clearTimeout(timer);
    stopRun(run);
  }
}

/** The report as a table for people (perClient left out). */
export function formatHlsReport(r: HlsAudienceReport): Record<string, string | number> {
  const q = r.requests;
  return {
    'clients (variant)': `${r.clients} (${r.variant})`,
    'kept up / no segments': `${r.keptUp} / ${r.noSegments}`,
    'requests master · playlist · init · segment': `${q.master} · ${q.playlist} · ${q.init} · ${q.segment}`,
    'distinct segments · inits': `${r.distinctSegments} · ${r.distinctInits}`,
    'segments per client': `min ${r.segmentsPerClient.min} · p50 ${r.segmentsPerClient.p50} · max ${r.segmentsPerClient.max}`,
    'MB received': Math.round(r.bytes / 1e5) / 10,
    errors: r.errors,
    'window s': r.windowSeconds,
    'generator event-loop delay ms (p50 · p99 · max)': `${r.loopDelayMs.p50} · ${r.loopDelayMs.p99} · ${r.loopDelayMs.max}`,
  };
}
