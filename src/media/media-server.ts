// The media plane's root: one UDP port shared by every peer, the counters Prometheus
// reads, and the rooms. Closing it closes every room and every PeerConnection.
import nodeDataChannel from 'node-datachannel';
import { MediaRoom } from './media-room.js';
import { createCounters, type MediaCounters } from './counters.js';
import type { TransportConfig } from './transport-config.js';
import type { VoiceActivityConfig } from './voice-activity.js';

export class MediaServer {
  readonly counters: MediaCounters = createCounters();
  private readonly rooms = new Map<string, MediaRoom>();

  constructor(
    readonly transport: TransportConfig,
    private readonly voice?: VoiceActivityConfig,
  ) {}

  room(id: string): MediaRoom {
    let room = this.rooms.get(id);
    if (!room) {
      room = new MediaRoom(id, { transport: this.transport, counters: this.counters, voice: this.voice });
      this.rooms.set(id, room);
    }
    return room;
  }

  closeRoom(id: string): void {
    this.rooms.get(id)?.close();
    this.rooms.delete(id);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  allRooms(): IterableIterator<MediaRoom> {
    return this.rooms.values();
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
