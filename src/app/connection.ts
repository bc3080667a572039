// One client's connection as the app layer sees it: what LiveSpace and the StateBroadcaster
// send through, whatever the transport (the WebSocket adapter implements it).
import type { ServerMessage } from '../protocol/messages.js';

export interface Connection {
  send(msg: ServerMessage): void;
  /** Sends an already-serialised message (used to share one JSON string across a broadcast). */
  sendRaw(json: string): void;
  close(code: number, reason: string): void;
}
