// Where the media plane listens and what it tells clients about reaching it.
import type { IceServerConfig } from '../../protocol/messages.js';

export interface TransportConfig {
  /** The single UDP port that every peer shares (ICE UDP mux). */
  udpPort: number;
  /** Local address to bind; all interfaces when unset. */
  bindAddress?: string;
  /** Public address to put in our candidates when the server sits behind NAT. */
  announcedAddress?: string;
  /** STUN/TURN servers handed to clients (e.g. coturn). */
  iceServers: IceServerConfig[];
}
