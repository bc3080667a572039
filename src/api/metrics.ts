// Prometheus metrics. The media plane keeps plain counters on its packet path; they are
// copied into prom-client at scrape time, so scraping costs nothing per packet.
import client from 'prom-client';
import type { MediaPlane, WorkerStatus } from '../media/room/room-handle.js';
import type { SpaceService } from '../app/space-service.js';
import type { MediaCounters } from '../media/counters.js';
import type { ChatCounters } from '../app/chat.js';
import type { ClusterCounters } from '../cluster/cluster-node.js';

export interface AppMetrics {
  registry: client.Registry;
  /** Requests that reached the HLS origin (behind a cache, this stays flat as the audience grows). */
  hlsRequests: client.Counter<'kind'>;
}

export function createMetrics(
  media: MediaPlane & { readonly codecLinkDropped?: number },
  spaces: SpaceService,
  chat?: { counters: ChatCounters },
  workers: () => WorkerStatus[] = () => media.status(),
  cluster?: ClusterView,
): AppMetrics {
  const registry = new client.Registry();
  if (cluster) registerClusterMetrics(registry, cluster);
  client.collectDefaultMetrics({ register: registry });
  // Read afresh at each scrape: with media workers, the counters are summed from their reports.
  const counter = (name: string, help: string, read: (c: MediaCounters) => number) => scrapedTotal(registry, name, help, () => read(media.counters));
  counter('spaces_rtp_packets_in_total', 'RTP packets received from publishers', (c) => c.packetsIn);
  counter('spaces_rtp_bytes_in_total', 'RTP bytes received from publishers', (c) => c.bytesIn);
  counter('spaces_rtp_packets_out_total', 'RTP packets forwarded to subscribers', (c) => c.packetsOut);
  counter('spaces_rtp_bytes_out_total', 'RTP bytes forwarded to subscribers', (c) => c.bytesOut);
  counter('spaces_rtp_packets_gated_total', 'Packets of silent or muted publishers not forwarded', (c) => c.packetsGated);
  counter('spaces_rtp_packets_invalid_total', 'Incoming packets dropped as invalid', (c) => c.packetsInvalid);
  counter('spaces_rtcp_packets_in_total', 'RTCP packets received', (c) => c.rtcpIn);
  counter('spaces_active_speaker_switches_total', 'Changes of the active speaker across all Spaces', (c) => c.speakerSwitches);
  counter('spaces_rtp_retransmissions_total', 'Video packets resent from cache in answer to NACKs', (c) => c.retransmissions);
  counter('spaces_keyframe_requests_total', 'Keyframe requests (PLI) sent to publishers', (c) => c.keyframeRequests);
  counter('spaces_node_relay_out_total', 'Datagrams relayed to other nodes (one per packet and edge node)', (c) => c.relayOut);
  counter('spaces_node_relay_in_total', 'Datagrams from other nodes accepted on the node relay', (c) => c.relayIn);
  counter(
    'spaces_node_relay_rejected_total',
    'Datagrams on the node relay dropped: not sealed with the cluster key, stale or malformed',
    (c) => c.relayRejected,
  );

  scrapedGauge(registry, 'spaces_rooms', 'Live Spaces on this node', () => spaces.liveCount);
  new client.Gauge({
    name: 'spaces_participants',
    help: 'Participants in live Spaces, by role',
    labelNames: ['role'],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { host: 0, cohost: 0, speaker: 0, listener: 0 };
      for (const live of spaces.allLive()) {
        for (const p of live.space.stage()) counts[p.role] = (counts[p.role] ?? 0) + 1;
        counts.listener! += live.space.listenerCount;
      }
      for (const [role, n] of Object.entries(counts)) this.set({ role }, n);
    },
  });
  new client.Gauge({
    name: 'spaces_rtp_loss_fraction',
    help: 'Average fraction of packets lost, from RTCP receiver reports (downstream) and our own reception (upstream)',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      const loss = media.lossSummary();
      this.set({ direction: 'downstream' }, loss.downstream);
      this.set({ direction: 'upstream' }, loss.upstream);
    },
  });
  new client.Gauge({
    name: 'spaces_audience_tier',
    help: 'Connected participants by how they receive the Space',
    labelNames: ['tier'],
    registers: [registry],
    collect() {
      let hls = 0;
      for (const live of spaces.allLive()) hls += live.hlsAudience;
      this.set({ tier: 'webrtc' }, spaces.tiers.webrtcPeers);
      this.set({ tier: 'hls' }, hls);
    },
  });
  new client.Gauge({
    name: 'spaces_hls_egress_running',
    help: 'Spaces whose HLS encoder is running',
    registers: [registry],
    collect() {
      let n = 0;
      for (const live of spaces.allLive()) if (spaces.egressOf(live.space.id)?.running) n++;
      this.set(n);
    },
  });
  if (chat) {
    const chatCounter = (name: string, help: string, read: (c: ChatCounters) => number) => scrapedTotal(registry, name, help, () => read(chat.counters));
    chatCounter('spaces_comments_total', 'Comments posted (stored and broadcast)', (c) => c.comments);
    chatCounter('spaces_comments_deleted_total', 'Comments deleted by their author or a moderator', (c) => c.commentsDeleted);
    chatCounter('spaces_reactions_total', 'Reactions accepted', (c) => c.reactions);
    chatCounter('spaces_chat_rate_limited_total', 'Comments and reactions refused for going over a per-person rate', (c) => c.rateLimited);
  }
  scrapedTotal(
    registry,
    'spaces_codec_link_dropped_total',
    'Frames the media workers could not send the codec worker (HLS taps, transcoding): the link was down or the codec worker behind',
    () => media.codecLinkDropped ?? 0,
  );
  scrapedTotal(
    registry,
    'spaces_store_write_failures_total',
    "Writes of live Spaces' changes that failed: each action was undone and refused, or the change is retried until stored",
    () => spaces.storeFailures,
  );
  new client.Gauge({
    name: 'spaces_worker_up',
    help: 'Whether each worker process (media workers, the codec worker) is running',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      for (const w of workers()) this.set({ worker: w.name }, w.up ? 1 : 0);
    },
  });
  new client.Counter({
    name: 'spaces_worker_restarts_total',
    help: 'Worker processes started again after they died',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of workers()) this.inc({ worker: w.name }, w.restarts);
    },
  });
  const hlsRequests = new client.Counter({
    name: 'spaces_hls_requests_total',
    help: 'HLS requests that reached this origin, by kind (playlist, segment, miss)',
    labelNames: ['kind'],
    registers: [registry],
  });
  return { registry, hlsRequests };
}

/** What /metrics reads of this node's part in a cluster. */
export interface ClusterView {
  readonly counters: ClusterCounters;
  /** Copies of other nodes' Spaces held here (this node is their edge). */
  readonly edgeCopies: number;
  /** This node's listeners whose PeerConnections are on other nodes. */
  readonly listenersOnEdges: number;
}

/** This node's part in the cluster: registry, ownership, adoptions, hand-offs, Redis health, edges. */
function registerClusterMetrics(registry: client.Registry, cluster: ClusterView): void {
  scrapedGauge(registry, 'spaces_cluster_edge_copies', "Other nodes' Spaces this node serves listeners of (as their edge)", () => cluster.edgeCopies);
  scrapedGauge(registry, 'spaces_cluster_listeners_on_edges', "This node's listeners placed on other nodes", () => cluster.listenersOnEdges);
  const gauge = (name: string, help: string, read: (c: ClusterCounters) => number) => scrapedGauge(registry, name, help, () => read(cluster.counters));
  const counter = (name: string, help: string, read: (c: ClusterCounters) => number) => scrapedTotal(registry, name, help, () => read(cluster.counters));
  gauge('spaces_cluster_nodes', 'Nodes registered in the cluster, as this node last read the registry', (c) => c.nodes);
  gauge('spaces_cluster_owned_spaces', 'Spaces this node holds the claim on', (c) => c.owned);
  gauge('spaces_cluster_coordinator_up', '1 while Redis answers this node', (c) => (c.coordinatorUp ? 1 : 0));
  gauge('spaces_cluster_draining', '1 while this node drains', (c) => (c.draining ? 1 : 0));
  counter('spaces_cluster_adoptions_total', 'Spaces this node adopted (placed here, or left by a dead node)', (c) => c.adoptions);
  counter('spaces_cluster_hand_offs_total', 'Spaces this node handed off (drained, or claimed elsewhere)', (c) => c.handOffs);
  counter('spaces_cluster_heartbeat_failures_total', 'Heartbeats to Redis that failed', (c) => c.heartbeatFailures);
}

/**
 * A counter whose total another part keeps (a plain integer, or a sum of workers' reports),
 * copied into prom-client at each scrape: nothing is counted through prom-client on the hot path.
 */
function scrapedTotal(registry: client.Registry, name: string, help: string, read: () => number): client.Counter {
  return new client.Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge read at each scrape. */
function scrapedGauge(registry: client.Registry, name: string, help: string, read: () => number): client.Gauge {
  return new client.Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
