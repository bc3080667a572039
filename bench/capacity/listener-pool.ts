// A child process of the capacity benchmark that holds listeners (node-datachannel peers)
// for our server or for Janus, so that the receiving load can be spread over processes.
// The parent drives it over IPC: join N at a rate, snapshot counters, close all.
import { joinAsNdcParticipant, type NdcParticipant } from '../../src/bots/ndc-participant.js';
import { paced } from '../../src/load/pacing.js';
import { JanusSession, JanusSubscriber } from '../lib/janus.js';
import type { PoolReply, PoolRequest, PoolSnapshot } from './pool-protocol.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Listener {
  audio(): number;
  video(): number;
  lost(): number;
  firstPacketPerfMs(): number;
  close(): void;
}

let listeners: Listener[] = [];
let janus: JanusSession | null = null;

function fromOurs(p: NdcParticipant): Listener {
  return {
    audio: () => p.peer.totalPackets(),
    video: () => p.peer.videoPackets,
    lost: () => {
      let n = 0;
      for (const s of p.peer.received.values()) n += s.lost;
      return n;
    },
    firstPacketPerfMs: () => p.peer.firstPacketPerfMs,
    close: () => p.close(),
  };
}

function fromJanus(s: JanusSubscriber): Listener {
  return {
    audio: () => s.counter.packets,
    video: () => s.counter.video,
    lost: () => s.counter.lost,
    firstPacketPerfMs: () => s.counter.firstPacketPerfMs,
    close: () => s.close(),
  };
}

function snapshot(): PoolSnapshot {
  let audio = 0;
  let video = 0;
  let lost = 0;
  for (const l of listeners) {
    audio += l.audio();
    video += l.video();
    lost += l.lost();
  }
  return { listeners: listeners.length, audio, video, lost };
}

async function join(req: Extract<PoolRequest, { op: 'join' }>): Promise<PoolReply> {
  if (req.target.kind === 'janus' && !janus) janus = await JanusSession.create(req.target.url);
  const mine: Array<{ l: Listener | null; startedAt: number; error?: string }> = [];
  if (req.startDelayMs) await sleep(req.startDelayMs);
  await paced(req.count, req.rate, async () => {
    const entry: { l: Listener | null; startedAt: number; error?: string } = { l: null, startedAt: performance.now() };
    mine.push(entry);
    try {
      if (req.target.kind === 'ours') {
        const p = await joinAsNdcParticipant(req.target.url, req.target.spaceId, { canPublish: false, recordSpeaking: false, logVideo: false });
        entry.l = fromOurs(p);
      } else {
        const s = new JanusSubscriber(janus!);
        entry.l = fromJanus(s);
        await s.subscribe(req.target.room, req.target.feeds);
      }
      listeners.push(entry.l);
    } catch (e) {
      entry.error = String(e);
      entry.l?.close();
      entry.l = null;
    }
  });
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline && mine.some((m) => m.l && m.l.firstPacketPerfMs() === 0)) await sleep(100);
  const ok = mine.filter((m) => m.l);
  return {
    ok: true,
    joined: ok.length,
    failed: mine.length - ok.length,
    silent: ok.filter((m) => m.l!.firstPacketPerfMs() === 0).length,
    joinMs: ok.filter((m) => m.l!.firstPacketPerfMs() > 0).map((m) => m.l!.firstPacketPerfMs() - m.startedAt),
    errors: [...new Set(mine.filter((m) => m.error).map((m) => m.error!))].slice(0, 3),
  };
}

process.on('message', (req: PoolRequest) => {
  void (async () => {
    let reply: PoolReply;
    try {
      if (req.op === 'join') reply = await join(req);
      else if (req.op === 'snapshot') reply = { ok: true, snapshot: snapshot() };
      else {
        for (const l of listeners) l.close();
        listeners = [];
        if (janus) await janus.destroy();
        janus = null;
        reply = { ok: true };
      }
    } catch (e) {
      reply = { ok: false, error: String(e) };
    }
    process.send!({ id: req.id, ...reply });
  })();
});
process.on('disconnect', () => process.exit(0));
process.send!({ id: 0, ok: true, ready: true });
