// A bot that joins a Space like a browser does, with libwebrtc's real Opus encoder
// (@roamhq/wrtc): it can ask for the stage, speak a WAV file in a loop, and reports what
// it receives. Operators use it to test a deployment.
import wrtc from '@roamhq/wrtc';
import WebSocket from 'ws';
import { ApiClient } from '../src/sdk/api.js';
import { SignallingClient, type WebSocketLike } from '../src/sdk/signalling.js';
import { MediaSession } from '../src/sdk/media-session.js';
import type { PersonView, SpaceSnapshot } from '../src/protocol/messages.js';
import { BOT_SAMPLE_RATE, readWavAs48kMono } from '../src/bots/wav.js';

export interface VoiceBotOptions {
  /** Space URL as shared (http://host:port/s/ID). */
  spaceUrl: string;
  handle?: string;
  password?: string;
  requestStage?: boolean;
  acceptInvites?: boolean;
  wav?: string;
  log?: (line: string) => void;
}

export interface VoiceBotReport {
  handle: string;
  role: string | null;
  inboundAudio: Array<{ mid: string | null; packets: number; bytes: number; audioLevel: number }>;
  speakingEvents: number;
}

const FRAME = BOT_SAMPLE_RATE / 100; // 10 ms, what RTCAudioSource wants per call

export function parseSpaceUrl(url: string): { origin: string; spaceId: string } {
  const u = new URL(url);
  const m = u.pathname.match(/\/s\/([A-Za-z0-9_-]+)/);
  if (!m) throw new Error(`not a Space URL: ${url} (expected …/s/SPACE_ID)`);
  return { origin: u.origin, spaceId: m[1]! };
}

export class VoiceBot {
  private signalling!: SignallingClient;
  private media!: MediaSession;
  private readonly source = new wrtc.nonstandard.RTCAudioSource();
  private track: MediaStreamTrack | null = null;
  private pump: ReturnType<typeof setInterval> | null = null;
  private samples: Int16Array = new Int16Array(FRAME);
  private position = 0;
  private startedAt = 0;
  private framesSent = 0;
  you: PersonView | null = null;
  space: SpaceSnapshot | null = null;
  speakingEvents = 0;
  ended = false;

  constructor(private readonly options: VoiceBotOptions) {}

  async start(): Promise<void> {
    const log = this.options.log ?? (() => undefined);
    const { origin, spaceId } = parseSpaceUrl(this.options.spaceUrl);
    const api = new ApiClient(origin);
    let token: string | undefined;
    if (this.options.handle) {
      const auth = await api.ensureAccount(this.options.handle, this.options.password ?? `${this.options.handle}-password`);
      token = auth.token;
    }
    if (this.options.wav) this.samples = readWavAs48kMono(this.options.wav);
    this.signalling = new SignallingClient({
      url: origin.replace(/^http/, 'ws') + '/ws',
      spaceId,
      ...(token ? { token } : {}),
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    });
    this.signalling.on('state', (msg) => void this.onState(msg.space, msg.you, msg.invited));
    this.signalling.on('speaking', () => this.speakingEvents++);
    this.signalling.on('ended', (m) => {
      this.ended = true;
      log(`space ended: ${m.reason}`);
    });
    const welcome = await this.signalling.connect();
    log(`joined as ${welcome.you.handle}`);
    this.media = new MediaSession({
      signalling: this.signalling,
      iceServers: welcome.iceServers,
      createPeerConnection: (config) => new wrtc.RTCPeerConnection(config) as unknown as RTCPeerConnection,
      onRemoteTrack: (_track, mid) => log(`receiving audio slot ${mid}`),
      onConnectionState: (state) => log(`connection ${state}`),
    });
    if (this.options.requestStage) await this.signalling.act({ action: 'requestToSpeak' }).catch((e) => log(`request failed: ${e.message}`));
  }

  async report(): Promise<VoiceBotReport> {
    const stats = await this.media.pc.getStats();
    const inbound: VoiceBotReport['inboundAudio'] = [];
    stats.forEach((s: Record<string, unknown>) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        inbound.push({
          mid: (s.mid as string) ?? null,
          packets: Number(s.packetsReceived ?? 0),
          bytes: Number(s.bytesReceived ?? 0),
          audioLevel: Number(s.audioLevel ?? 0),
        });
      }
    });
    return { handle: this.you?.handle ?? '', role: this.you?.role ?? null, inboundAudio: inbound, speakingEvents: this.speakingEvents };
  }

  async stop(): Promise<void> {
    if (this.pump) clearInterval(this.pump);
    await this.signalling?.leave().catch(() => undefined);
    this.media?.close();
    this.track?.stop();
  }

  private async onState(space: SpaceSnapshot, you: PersonView | null, invited: boolean): Promise<void> {
    this.space = space;
    this.you = you;
    if (invited && this.options.acceptInvites) await this.signalling.act({ action: 'acceptInvite' }).catch(() => undefined);
    const onStage = you !== null && you.role !== 'listener';
    if (onStage && !this.track && this.media) {
      this.track = this.source.createTrack() as unknown as MediaStreamTrack;
      this.startPump();
      await this.media.setMicrophone(this.track);
      // Everyone comes on stage muted; the bot is there to talk, so it unmutes on arrival (once:
      // a host muting it later keeps it muted).
      if (you.muted) {
        await this.signalling.act({ action: 'setMicMuted', muted: false }).catch((e: Error) => this.options.log?.(`unmute failed: ${e.message}`));
        return;
      }
    } else if (!onStage && this.track && this.media) {
      await this.media.setMicrophone(null);
      this.track.stop();
      this.track = null;
      if (this.pump) clearInterval(this.pump);
      this.pump = null;
    }
    if (this.media && you) await this.media.setMuted(you.muted);
  }

  /** Feeds 10 ms frames on a wall-clock schedule, so timer jitter does not change the pitch. */
  private startPump(): void {
    this.startedAt = performance.now();
    this.framesSent = 0;
    const frame = new Int16Array(FRAME);
    this.pump = setInterval(() => {
      const due = Math.floor((performance.now() - this.startedAt) / 10);
      while (this.framesSent < due) {
        for (let i = 0; i < FRAME; i++) {
          frame[i] = this.samples.length ? this.samples[this.position]! : 0;
          this.position = (this.position + 1) % Math.max(1, this.samples.length);
        }
        this.source.onData({ samples: frame, sampleRate: BOT_SAMPLE_RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME });
        this.framesSent++;
      }
    }, 10);
  }
}
