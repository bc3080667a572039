// How the server opens a PeerConnection, whichever side offers: one UDP port for every peer
// (ICE UDP mux), our bind address, and negotiation driven by us, not by the library. Also the
// answering half of offer/answer, for clients that offer (WHIP publishers, WHEP players).
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { announceAddress, InvalidSdpError } from './sdp.js';
import type { TransportConfig } from './transport-config.js';

const GATHERING_TIMEOUT_MS = 5000;

export function openPeerConnection(name: string, transport: TransportConfig): PeerConnection {
  return new nodeDataChannel.PeerConnection(name, {
    iceServers: [],
    enableIceUdpMux: true,
    portRangeBegin: transport.udpPort,
    portRangeEnd: transport.udpPort,
    ...(transport.bindAddress ? { bindAddress: transport.bindAddress } : {}),
    disableAutoNegotiation: true,
  });
}

/**
 * Tracks we closed whose close the binding has not yet reported. The binding drops a track
 * from its registry (which its cleanup() walks) only in the onClosed callback, which comes
 * later, through the event loop; a track collected before that leaves a dangling pointer in
 * the registry and under the callback still queued, and the process crashed at the next
 * cleanup() (SIGSEGV in TrackWrapper::CleanupAll, seen in the tests). So a closed track is
 * held until the binding says it is closed.
 */
const closing = new Set<Track>();
/** Tracks given our onClosed callback (keepTrack): their close will be reported. */
const watched = new WeakSet<Track>();
/** Tracks whose close the binding has reported: nothing of them is left in its registry. */
const reported = new WeakSet<Track>();

/**
 * Keeps a track until it is closed. Keep a JS reference to every track (node-datachannel
 * stops delivering to a collected one), and give it an onClosed callback: only from that
 * callback does the binding drop the track from its registry and free the last of its
 * callbacks, and its cleanup() walks that registry, so a track collected without one would
 * leave a dangling entry there (a crash at shutdown).
 */
export function keepTrack(tracks: Track[], track: Track): Track {
  track.onClosed(() => {
    reported.add(track);
    closing.delete(track);
  });
  watched.add(track);
  tracks.push(track);
  return track;
}

/**
 * Closes every track of a PeerConnection, then the connection, and forgets the tracks (once
 * the binding has said they are closed: see `closing`).
 * `pc.close()` alone is not enough: node-datachannel keeps each track's callbacks (one N-API
 * thread-safe function, so one libuv async handle, each) until the track itself is closed, and
 * a callback that refers back to its peer keeps the track from ever being collected. libuv
 * walks every async handle on each wake-up, so the leftovers of departed listeners made every
 * later packet dearer (`npm run bench:churn`).
 */
export function closePeerConnection(pc: PeerConnection | null, tracks: Track[]): void {
  for (const track of tracks) {
    if (watched.has(track) && !reported.has(track)) closing.add(track);
    try {
      track.close();
    } catch {
      // already closed by the library
    }
  }
  tracks.length = 0;
  try {
    pc?.close();
  } catch {
    // already closed by the library
  }
}

/** Closed tracks still waiting for the binding's word (for tests: it must come). */
export function tracksClosing(): number {
  return closing.size;
}

/**
 * Bound to one address family, we cannot reach the other: checks to such candidates only
 * fail, and since clients often rank IPv6 first they delay the pair that works (long
 * enough for the client's DTLS ClientHello to arrive before our ICE says "connected").
 */
export function reachableCandidate(candidate: string, bindAddress: string | undefined): boolean {
  if (!bindAddress) return true;
  const address = candidate.replace(/^a=/, '').split(' ')[4] ?? '';
  const v6 = address.includes(':');
  return bindAddress.includes(':') ? v6 : !v6;
}

/**
 * A trickled candidate (WHIP/WHEP PATCH) for one of a client-offered peer's m-lines: false,
 * without an error, for a mid it did not offer, an address family we cannot reach, or one the
 * library refuses; the client is not told of candidates we cannot use.
 */
export function addTrickledCandidate(pc: PeerConnection, mids: ReadonlySet<string>, candidate: string, mid: string, bindAddress: string | undefined): boolean {
  if (!mids.has(mid) || !reachableCandidate(candidate, bindAddress)) return false;
  try {
    pc.addRemoteCandidate(candidate.startsWith('candidate:') ? candidate : `candidate:${candidate}`, mid);
  } catch {
    return false;
  }
  return true;
}

export function reachableOnly(sdp: string, bindAddress: string | undefined): string {
  if (!bindAddress) return sdp;
  return sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') || reachableCandidate(line, bindAddress))
    .join('\r\n');
}

/**
 * Applies a client's offer to `pc` (whose tracks, added beforehand with the offer's mids, say
 * what we accept) and resolves with our answer once our candidates are gathered: WHIP and WHEP
 * answers carry them, since the server does not trickle.
 */
export function answerOffer(pc: PeerConnection, offer: string, transport: TransportConfig): Promise<string> {
  try {
    pc.setRemoteDescription(reachableOnly(offer, transport.bindAddress), 'offer');
  } catch (err) {
    throw new InvalidSdpError(`offer rejected: ${(err as Error).message}`);
  }
  return describeLocal(pc, 'answer').then((desc) => {
    if (desc.type !== 'answer') throw new Error('no local answer');
    return announceAddress(desc.sdp, transport.announcedAddress);
  });
}

/**
 * Sets our local description and resolves with it once our candidates are gathered (or after
 * 5 s with what there is): offers and answers we send carry them. Rejects if the library has
 * no description to give.
 */
export function describeLocal(pc: PeerConnection, type: 'offer' | 'answer'): Promise<{ sdp: string; type: string }> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const desc = pc.localDescription();
      if (!desc) return reject(new Error('no local description'));
      resolve(desc);
    };
    const timer = setTimeout(finish, GATHERING_TIMEOUT_MS);
    pc.onGatheringStateChange((state) => {
      if (state === 'complete') finish();
    });
    pc.setLocalDescription(type);
    if (pc.gatheringState() === 'complete') finish();
  });
}
