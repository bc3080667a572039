// Janus 1.1.2 (Debian's package) for side-by-side benchmarks: starts it on loopback with a
// configuration written to a temp dir (HTTP transport and VideoRoom only), and drives its
// HTTP API with node-datachannel publishers and subscribers.
//
// Janus skips interfaces flagged as loopback when gathering, so it is started with a tiny
// LD_PRELOAD wrapper around getifaddrs() that clears IFF_LOOPBACK on "lo" (compiled here
// with gcc), and ice_enforce_list = "lo".
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { waitGathered } from '../../src/bots/ndc-peer.js';
import { closePeerConnection, keepTrack } from '../../src/media/transport/peer-connection.js';
import { ReceiverReports } from '../../src/bots/receiver-reports.js';
import { AUDIO_LEVEL_URI, OPUS_PT, OpusLikeSender, RtpCounter, VP8_PT, Vp8LikeSender } from './rtp-senders.js';

const JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PRELOAD_C = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>
/* Clears IFF_LOOPBACK on "lo" so that Janus gathers 127.0.0.1 (benchmarks on loopback only). */
int getifaddrs(struct ifaddrs **ifap) {
  static int (*real)(struct ifaddrs **) = 0;
  if (!real) real = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
  int r = real(ifap);
  if (r == 0)
    for (struct ifaddrs *i = *ifap; i; i = i->ifa_next)
      if (i->ifa_name && strcmp(i->ifa_name, "lo") == 0) i->ifa_flags &= ~IFF_LOOPBACK;
  return r;
}
`;

export interface JanusProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

export function janusInstalled(): boolean {
  return existsSync('/usr/bin/janus') && existsSync(`${JANUS_LIB}/plugins/libjanus_videoroom.so`);
}

export async function startJanus(opts: { eventLoops?: number } = {}): Promise<JanusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'janus-bench-'));
  writeFileSync(join(dir, 'loopback.c'), PRELOAD_C);
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', join(dir, 'loopback.so'), join(dir, 'loopback.c'), '-ldl']);
  const port = 32000 + Math.floor(Math.random() * 4000);
  const rtpBase = 50000 + Math.floor(Math.random() * 5) * 2000;
  const others = (sub: string, keep: string) =>
    readdirSync(`${JANUS_LIB}/${sub}`)
      .filter((f) => f.endsWith('.so') && f !== keep)
      .join(',');
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${JANUS_LIB}/plugins"
  transports_folder = "${JANUS_LIB}/transports"
  events_folder = "${JANUS_LIB}/events"
  loggers_folder = "${JANUS_LIB}/loggers"
  log_to_stdout = false
  log_to_file = "${dir}/janus.log"
  debug_level = 2
  event_loops = ${opts.eventLoops ?? availableParallelism()}
}
media: {
  ipv6 = false
  rtp_port_range = "${rtpBase}-${rtpBase + 1999}"
}
nat: {
  ice_enforce_list = "lo"
  full_trickle = false
  nice_debug = false
}
plugins: {
  disable = "${others('plugins', 'libjanus_videoroom.so')}"
}
transports: {
  disable = "${others('transports', 'libjanus_http.so')}"
}
loggers: {
  disable = "${readdirSync(`${JANUS_LIB}/loggers`)
    .filter((f) => f.endsWith('.so'))
    .join(',')}"
}
events: {
  broadcast = false
}
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: {
  admin_http = false
  admin_https = false
}
`,
  );
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
  const child = spawn('/usr/bin/janus', ['-C', join(dir, 'janus.jcfg'), '-F', dir], {
    env: { ...process.env, LD_PRELOAD: join(dir, 'loopback.so') },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}/janus`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/info`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`janus did not start (see ${dir}/janus.log)`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    child,
    dir,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  session_id?: number;
  data?: { id: number };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: string; sdp: string };
  error?: { code: number; reason: string };
}

let tx = 0;

/** One Janus HTTP session: requests, a long-poll loop for events, and a keepalive. */
export class JanusSession {
  private readonly waiters = new Map<string, (m: JanusMessage) => void>();
  private closed = false;
  private keepalive: ReturnType<typeof setInterval> | null = null;

  private constructor(
    readonly base: string,
    readonly id: number,
  ) {}

  static async create(base: string): Promise<JanusSession> {
    const r = await post(base, { janus: 'create' });
    const s = new JanusSession(base, r.data!.id);
    void s.poll();
    s.keepalive = setInterval(() => void post(`${base}/${s.id}`, { janus: 'keepalive' }).catch(() => undefined), 30_000);
    return s;
  }

  async attach(): Promise<number> {
    const r = await post(`${this.base}/${this.id}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    return r.data!.id;
  }

  /** Sends a plugin message; a synchronous answer is returned at once, an async one (ack) is awaited on the event stream. */
  async message(handle: number, body: Record<string, unknown>, jsep?: { type: string; sdp: string }, timeoutMs = 15_000): Promise<JanusMessage> {
    const transaction = `t${++tx}`;
    const event = new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(transaction);
        reject(new Error(`janus: no event for ${String(body.request)}`));
      }, timeoutMs);
      this.waiters.set(transaction, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    event.catch(() => undefined);
    const r = await post(`${this.base}/${this.id}/${handle}`, { janus: 'message', body, transaction, ...(jsep ? { jsep } : {}) });
    if (r.janus === 'success') {
      this.waiters.delete(transaction);
      return r;
    }
    if (r.janus !== 'ack') throw new Error(`janus: ${JSON.stringify(r)}`);
    const m = await event;
    const err = m.plugindata?.data.error;
    if (err) throw new Error(`janus: ${String(err)}`);
    return m;
  }

  async trickleCompleted(handle: number): Promise<void> {
    await post(`${this.base}/${this.id}/${handle}`, { janus: 'trickle', candidate: { completed: true } });
  }

  private async poll(): Promise<void> {
    while (!this.closed) {
      try {
        const r = await fetch(`${this.base}/${this.id}?maxev=50&rid=${Date.now()}`);
        const body = (await r.json()) as JanusMessage | JanusMessage[];
        for (const m of Array.isArray(body) ? body : [body]) {
          if (m.transaction && this.waiters.has(m.transaction) && m.janus === 'event') {
            const w = this.waiters.get(m.transaction)!;
            this.waiters.delete(m.transaction);
            w(m);
          }
        }
      } catch {
        if (!this.closed) await sleep(200);
      }
    }
  }

  async destroy(): Promise<void> {
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    await post(`${this.base}/${this.id}`, { janus: 'destroy' }).catch(() => undefined);
  }
}

async function post(url: string, body: Record<string, unknown>): Promise<JanusMessage> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ transaction: `t${++tx}`, ...body }) });
  const m = (await r.json()) as JanusMessage;
  if (m.janus === 'error') throw new Error(`janus error: ${m.error?.reason}`);
  return m;
}

export async function createRoom(session: JanusSession, room: number, publishers: number): Promise<void> {
  const handle = await session.attach();
  await session.message(handle, {
    request: 'create',
    room,
    publishers,
    audiocodec: 'opus',
    videocodec: 'vp8',
    bitrate: 4_000_000,
    fir_freq: 0,
    audiolevel_ext: true,
    is_private: false,
  });
}

function waitConnected(pc: PeerConnection, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (pc.state() === 'connected') return resolve();
    const timer = setTimeout(() => reject(new Error('janus peer did not connect')), timeoutMs);
    pc.onStateChange((s) => {
      if (s === 'connected') {
        clearTimeout(timer);
        resolve();
      } else if (s === 'failed') {
        clearTimeout(timer);
        reject(new Error('janus peer failed'));
      }
    });
  });
}

/** A VideoRoom publisher: our offer (sendonly Opus with the audio-level extension, optionally VP8), Janus answers. */
export class JanusPublisher {
  pc: PeerConnection | null = null;
  feedId = 0;
  readonly audio: OpusLikeSender;
  readonly video: Vp8LikeSender | null;
  private readonly tracks: Track[] = [];

  constructor(
    private readonly session: JanusSession,
    tag: number,
    withVideo: boolean,
  ) {
    this.audio = new OpusLikeSender(tag, 1);
    this.video = withVideo ? new Vp8LikeSender(tag) : null;
  }

  async publish(room: number): Promise<void> {
    const handle = await this.session.attach();
    const joined = await this.session.message(handle, { request: 'join', ptype: 'publisher', room, display: `bench-${this.audio.ssrc}` });
    this.feedId = Number(joined.plugindata!.data.id);
    const pc = new nodeDataChannel.PeerConnection('janus-pub', { iceServers: [], disableAutoNegotiation: true });
    this.pc = pc;
    const a = new nodeDataChannel.Audio('0', 'SendOnly');
    a.addOpusCodec(OPUS_PT, 'minptime=10;useinbandfec=1');
    a.parseSdpLine(`a=extmap:1 ${AUDIO_LEVEL_URI}`);
    a.addSSRC(this.audio.ssrc, 'bench', 'bench-pub', 'bench-a');
    this.audio.track = pc.addTrack(a);
    keepTrack(this.tracks, this.audio.track);
    this.audio.track.onMessage(() => undefined);
    if (this.video) {
      const v = new nodeDataChannel.Video('1', 'SendOnly');
      v.addVP8Codec(VP8_PT);
      v.addSSRC(this.video.ssrc, 'bench', 'bench-pub', 'bench-v');
      const t = pc.addTrack(v);
      keepTrack(this.tracks, t);
      this.video.attach(t);
    }
    pc.setLocalDescription('offer');
    await waitGathered(pc);
    const offer = pc.localDescription()!;
    const connected = waitConnected(pc);
    connected.catch(() => undefined);
    const r = await this.session.message(handle, { request: 'configure', audio: true, video: !!this.video }, { type: 'offer', sdp: offer.sdp });
    if (!r.jsep) throw new Error('janus: no answer to the publisher offer');
    pc.setRemoteDescription(r.jsep.sdp, 'answer');
    await this.session.trickleCompleted(handle);
    await connected;
  }

  close(): void {
    closePeerConnection(this.pc, this.tracks);
  }
}

/** A VideoRoom subscriber to some feeds (multistream): Janus offers, we answer, then start. */
export class JanusSubscriber {
  pc: PeerConnection | null = null;
  readonly counter = new RtpCounter();
  private readonly tracks: Track[] = [];
  private readonly reports = new ReceiverReports((Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0);

  constructor(private readonly session: JanusSession) {}

  async subscribe(room: number, feeds: number[]): Promise<void> {
    const handle = await this.session.attach();
    const r = await this.session.message(handle, { request: 'join', ptype: 'subscriber', room, streams: feeds.map((feed) => ({ feed })) });
    if (!r.jsep) throw new Error('janus: no offer for the subscriber');
    const pc = new nodeDataChannel.PeerConnection('janus-sub', { iceServers: [], disableAutoNegotiation: true });
    this.pc = pc;
    pc.onTrack((track) => {
      keepTrack(this.tracks, track);
      const video = track.type() === 'video';
      const mid = track.mid();
      track.onMessage((buf) => {
        this.counter.onPacket(buf, video);
        // Receiver reports on the audio, as our listeners send them to our server: the same RTCP load for both.
        if (!video && buf.length >= 12 && (buf[1]! < 192 || buf[1]! > 223)) {
          this.reports.onRtp(mid, track, buf, Date.now());
          this.reports.start();
        }
      });
    });
    pc.setRemoteDescription(r.jsep.sdp, 'offer');
    pc.setLocalDescription('answer');
    await waitGathered(pc);
    const connected = waitConnected(pc);
    connected.catch(() => undefined);
    await this.session.message(handle, { request: 'start' }, { type: 'answer', sdp: pc.localDescription()!.sdp });
    await this.session.trickleCompleted(handle);
    await connected;
  }

  close(): void {
    this.reports.stop();
    closePeerConnection(this.pc, this.tracks);
  }
}
