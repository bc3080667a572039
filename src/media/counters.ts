// Plain numeric counters bumped on the packet path. Prometheus reads them at scrape time,
// so the per-packet cost is an integer increment, never a label lookup.
export interface MediaCounters {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  /** Packets of silent or muted publishers that were not forwarded. */
  packetsGated: number;
  /** Packets that failed validation (not RTP, unknown payload type). */
  packetsInvalid: number;
  rtcpIn: number;
  speakerSwitches: number;
  /** Video packets resent from a source's cache in answer to a viewer's NACK. */
  retransmissions: number;
  /** Keyframe requests (PLI) sent to publishers. */
  keyframeRequests: number;
  /** Datagrams sent to other nodes' workers (one per packet and edge node), in a cluster. */
  relayOut: number;
  /** Datagrams from other nodes accepted. */
  relayIn: number;
  /** Datagrams on the node relay port dropped: not sealed with the cluster's key, stale, or malformed. */
  relayRejected: number;
}

export function createCounters(): MediaCounters {
  return {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    packetsGated: 0,
    packetsInvalid: 0,
    rtcpIn: 0,
    speakerSwitches: 0,
    retransmissions: 0,
    keyframeRequests: 0,
    relayOut: 0,
    relayIn: 0,
    relayRejected: 0,
  };
}
