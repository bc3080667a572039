// Events for a server Peer built outside a room (tests, benchmarks): every one ignored.
import type { PeerEvents } from '../../src/media/transport/peer.js';

export const IGNORED_PEER_EVENTS: PeerEvents = {
  offer: () => undefined,
  candidates: () => undefined,
  micMessage: () => undefined,
  camMessage: () => undefined,
  camChanged: () => undefined,
  videoSwitched: () => undefined,
  micChanged: () => undefined,
  connectionState: () => undefined,
};
