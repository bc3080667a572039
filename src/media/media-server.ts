// The media plane in one process: one UDP port shared by every peer, the counters
// Prometheus reads, and the rooms. Closing it closes every room and every PeerConnection.
// (With several media workers, each worker runs one of these; see cluster/.)
import nodeDataChannel from 'node-datachannel';
import { pino, type Logger } from 'pino';
import { MediaRoom } from './room/media-room.js';
import type { RoomRelay } from './room/room-options.js';
import { createCounters, type MediaCounters } from './counters.js';
import type { TransportConfig } from './transport/transport-config.js';
import type { VoiceActivityConfig } from './forwarding/voice-activity.js';
import type { LossSummary } from './room/room-handle.js';
import type { H264Transcoder } from './transport/ingest-peer.js';

/** How every room of this media plane forwards audio. */
export interface RoomSettings {
  voice?: VoiceActivityConfig;
  /** People on stage each subscriber hears at once (default AUDIBLE_SPEAKERS). */
  audibleSpeakers?: number;
}

export interface MediaServerOptions {
  transport: TransportConfig;
  rooms?: RoomSettings;
  /** For media workers: how a room relays its publishers to the other workers. */
  relayFor?: (roomId: string) => RoomRelay;
  /** Turns H.264 cameras (OBS over WHIP) into VP8; without it, WHIP takes VP8 only. */
  h264?: H264Transcoder;
  log?: Logger;
}

export class MediaServer {
  readonly counters: MediaCounters = createCounters();
  private readonly rooms = new Map<string, MediaRoom>();

  readonly transport: TransportConfig;
  private readonly settings: RoomSettings;
  private readonly relayFor: ((roomId: string) => RoomRelay) | undefined;
  private readonly h264: H264Transcoder | undefined;
  private readonly log: Logger;

  constructor(options: MediaServerOptions) {
    this.transport = options.transport;
    this.settings = options.rooms ?? {};
    this.relayFor = options.relayFor;
    this.h264 = options.h264;
    this.log = options.log ?? pino({ level: 'silent' });
  }

  room(id: string): MediaRoom {
    let room = this.rooms.get(id);
    if (!room) {
      room = new MediaRoom(id, {
        transport: this.transport,
        counters: this.counters,
        ...this.settings,
        ...(this.relayFor ? { relay: this.relayFor(id) } : {}),
        ...(this.h264 ? { h264: this.h264 } : {}),
        log: this.log,
      });
      this.rooms.set(id, room);
    }
    return room;
  }

  hasRoom(id: string): boolean {
    return this.rooms.has(id);
  }

  closeRoom(id: string): void {
    this.rooms.get(id)?.close();
    this.rooms.delete(id);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** Average loss over the rooms, from RTCP. */
  lossSummary(): LossSummary {
    let down = 0;
    let up = 0;
    for (const room of this.rooms.values()) {
      const loss = room.lossSummary();
      down += loss.downstream;
      up += loss.upstream;
    }
    const n = this.rooms.size;
    return { downstream: n ? down / n : 0, upstream: n ? up / n : 0 };
  }

  close(): void {
    for (const id of [...this.rooms.keys()]) this.closeRoom(id);
    try {
      nodeDataChannel.cleanup();
    } catch {
      // A peer of this process (a test bot) may still hold the library; it exits anyway.
    }
  }
}
