// The other nodes of a cluster, as this node's media plane sees them when one of its Spaces
// outgrows it: places for listeners' PeerConnections. Each such node is addressed like one more
// media worker (an index from REMOTE_INDEX_BASE up), so a room places, commands and hears a
// listener there exactly as on a local worker; the commands and events travel through the
// cluster's coordinator instead of IPC, and the media through the node relay. The cluster
// layer implements it; the media plane knows nothing of Redis.
import type { WorkerCommand, WorkerEvent } from './protocol.js';

/** Indices from here up name other nodes; below, this node's own media workers. */
export const REMOTE_INDEX_BASE = 1000;

export function isRemoteIndex(index: number): boolean {
  return index >= REMOTE_INDEX_BASE;
}

export interface RelayEndpoint {
  host: string;
  port: number;
}

export interface RemoteNodes {
  /**
   * A node to serve one more listener of `room` on, preferring one the room uses already
   * (`using`) while it has room; null when no other node has a place.
   */
  pick(room: string, using: readonly number[]): number | null;
  isUp(index: number): boolean;
  /** Sends a command for one room to that node's copy of it; false when the node is gone. */
  send(index: number, cmd: WorkerCommand): boolean;
  /** Where that node takes relayed media (null while it has announced none). */
  endpoint(index: number): RelayEndpoint | null;
  adjustLoad(index: number, delta: number): void;
}

/** What the remote side reports back to this node's media plane. */
export interface RemoteNodeSink {
  /** An event of a room's copy on that node (offers, candidates, stage video, connection state, answers). */
  event(index: number, msg: WorkerEvent): void;
  /** That node is gone (its lease lapsed, or it drains): its listeners are placed again. */
  down(index: number): void;
  /** A node's relay endpoint changed: the rooms' relay targets are sent again. */
  endpointsChanged(): void;
  /** The rooms that have listeners on that node (the owner holds them open there). */
  roomsOn(index: number): string[];
}
