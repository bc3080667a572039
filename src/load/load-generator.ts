// The load generator: real WebRTC participants (node-datachannel) against a running server.
// Speakers send Opus-sized RTP at 50 packets/s with RFC 6464 levels and take turns talking;
// some also send a VP8-shaped camera; listeners join at a set rate. It measures, for each
// listener, join time (from starting to join to the first audio packet), packets, loss and
// jitter, for a bounded time.
import { randomBytes } from 'node:crypto';
import { ApiClient } from '../sdk/api.js';
import { joinAsNdcParticipant, type NdcParticipant, approveLive } from '../bots/ndc-participant.js';
import { loadPlanSchema, type LoadPlan } from './plan.js';
import { paced } from './pacing.js';
import { rounded, summarize, type Summary } from './stats.js';

export interface LoadReport {
  plan: LoadPlan;
  spaceId: string;
  joined: number;
  failed: number;
  /** Listeners that joined but never received audio. */
  silent: number;
  joinMs: Summary;
  listenerPps: Summary;
  listenerVideoPps: Summary;
  lossPercent: number;
  jitterMs: Summary;
  windowSeconds: number;
  errors: string[];
}

const TURN_MS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(input: LoadPlan, log: (line: string) => void = () => undefined): Promise<LoadReport> {
  const plan = loadPlanSchema.parse(input);
  const run = randomBytes(3).toString('hex');
  const hostApi = new ApiClient(plan.url);
  await hostApi.ensureAccount(`load_${run}_h`, 'load-password');
  const spaceId = plan.spaceId ?? (await hostApi.createSpace(`Load ${run}`)).id;
  const everyone: NdcParticipant[] = [];
  const errors: string[] = [];
  try {
    const speakers: NdcParticipant[] = [];
    if (plan.speakers > 0) {
      const host = await joinAsNdcParticipant(plan.url, spaceId, { api: hostApi, tag: 1, recordSpeaking: false, logVideo: false });
      speakers.push(host);
      everyone.push(host);
      for (let i = 1; i < plan.speakers; i++) {
        const api = new ApiClient(plan.url);
        await api.ensureAccount(`load_${run}_s${i}`, 'load-password');
        const s = await joinAsNdcParticipant(plan.url, spaceId, { api, tag: i + 1, recordSpeaking: false, logVideo: false });
        everyone.push(s);
        await s.signalling.act({ action: 'requestToSpeak' });
        await approveLive(host, s);
        speakers.push(s);
      }
    }
    for (const [i, s] of speakers.entries()) {
      s.peer.startSending();
      if (i < plan.videoPublishers) {
        await s.signalling.act({ action: 'setCamera', on: true });
        s.peer.startVideo();
      }
    }
    // Turns: `talking` speakers at a time, rotating every few seconds.
    let turn = 0;
    const rotate = () => {
      for (const [i, s] of speakers.entries()) {
        const slot = (i - turn + speakers.length * 100) % Math.max(1, speakers.length);
        s.peer.setTalking(slot < plan.talking);
      }
      turn++;
    };
    rotate();
    const turnTimer = setInterval(rotate, TURN_MS);

    log(`joining ${plan.listeners} listeners at ${plan.joinRate}/s`);
    const listeners: Array<{ p: NdcParticipant; startedAt: number }> = [];
    const results = await paced(plan.listeners, plan.joinRate, async () => {
      const startedAt = performance.now();
      const p = await joinAsNdcParticipant(plan.url, spaceId, { canPublish: false, recordSpeaking: false, logVideo: false });
      everyone.push(p);
      listeners.push({ p, startedAt });
      return p;
    });
    const failed = results.filter((r) => r.status === 'rejected');
    for (const f of failed.slice(0, 5)) errors.push(String((f as PromiseRejectedResult).reason));
    // Give the last joiners time to connect and hear someone before measuring.
    const connectDeadline = performance.now() + 15_000;
    while (performance.now() < connectDeadline && listeners.some((l) => l.p.peer.firstPacketPerfMs === 0)) await sleep(100);

    const before = listeners.map((l) => ({ packets: l.p.peer.totalPackets(), video: l.p.peer.videoPackets, lost: lostOf(l.p) }));
    const t0 = performance.now();
    log(`measuring for ${plan.seconds} s`);
    await sleep(plan.seconds * 1000);
    const windowSeconds = (performance.now() - t0) / 1000;
    clearInterval(turnTimer);

    const pps = listeners.map((l, i) => (l.p.peer.totalPackets() - before[i]!.packets) / windowSeconds);
    const videoPps = listeners.map((l, i) => (l.p.peer.videoPackets - before[i]!.video) / windowSeconds);
    const received = listeners.reduce((n, l, i) => n + l.p.peer.totalPackets() - before[i]!.packets, 0);
    const lost = listeners.reduce((n, l, i) => n + lostOf(l.p) - before[i]!.lost, 0);
    const joinMs = listeners.filter((l) => l.p.peer.firstPacketPerfMs > 0).map((l) => l.p.peer.firstPacketPerfMs - l.startedAt);
    const jitter = listeners.map((l) => Math.max(0, ...[...l.p.peer.received.values()].map((s) => s.jitterMs)));
    return {
      plan,
      spaceId,
      joined: listeners.length,
      failed: failed.length,
      silent: listeners.filter((l) => l.p.peer.firstPacketPerfMs === 0).length,
      joinMs: rounded(summarize(joinMs)),
      listenerPps: rounded(summarize(pps)),
      listenerVideoPps: rounded(summarize(videoPps)),
      lossPercent: Math.round((10_000 * lost) / Math.max(1, received + lost)) / 100,
      jitterMs: rounded(summarize(jitter)),
      windowSeconds: Math.round(windowSeconds * 10) / 10,
      errors,
    };
  } finally {
    for (const p of everyone) p.close();
  }
}

function lostOf(p: NdcParticipant): number {
  let n = 0;
  for (const s of p.peer.received.values()) n += s.lost;
  return n;
}

/** The report as a table for people. */
export function formatReport(r: LoadReport): Record<string, string | number> {
  const s = (x: Summary) => `p50 ${x.p50} · p95 ${x.p95} · p99 ${x.p99} · max ${x.max}`;
  return {
    'listeners joined / failed / silent': `${r.joined} / ${r.failed} / ${r.silent}`,
    'join time ms (request → first audio)': s(r.joinMs),
    'audio packets/s per listener': `mean ${r.listenerPps.mean} · min ${r.listenerPps.min}`,
    'video packets/s per listener': `mean ${r.listenerVideoPps.mean}`,
    'loss %': r.lossPercent,
    'jitter ms': s(r.jitterMs),
    'window s': r.windowSeconds,
  };
}
