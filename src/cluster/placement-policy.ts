// Which node a Space should run on: a pure function of what the nodes report, so that every
// node that looks at the same registry makes the same choice (sweeps of several nodes then
// agree on who adopts an orphaned Space, and only that node tries first).
import { z } from 'zod';

export const nodeLoadSchema = z.object({
  /** WebRTC peers the node serves. */
  peers: z.number().int().min(0),
  /** Live Spaces it runs. */
  spaces: z.number().int().min(0),
  /** CPU in use by its processes, in cores (main process and media workers). */
  cpu: z.number().min(0),
  /** RTP packets in and out per second, over its media workers. */
  packetsPerSec: z.number().min(0),
});
export type NodeLoad = z.infer<typeof nodeLoadSchema>;

/** A node's registration, as it writes it to Redis on every heartbeat (checked when read). */
export const nodeInfoSchema = z.object({
  id: z.string().min(1).max(64),
  /** Its public base URL: clients are sent there. */
  url: z.string().url(),
  draining: z.boolean(),
  load: nodeLoadSchema,
  /** Spaces placed on it since its last report (counted by the placing nodes). */
  pending: z.number().int().min(0).default(0),
  at: z.number(),
  /** Where the other nodes relay media to it (absent: it serves no other node's listeners). */
  relay: z.object({ host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535) }).optional(),
  /** WebRTC peers it serves in all (SPACES_WEBRTC_CAPACITY). */
  capacity: z.number().int().min(0).optional(),
});

/** What a node announces besides its load. */
export type NodeAnnouncement = Pick<NodeInfo, 'relay' | 'capacity'>;
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

/**
 * A Space weighs as much as this many peers when nothing else is known (a new Space soon has
 * its stage and some audience), and a core of CPU as much as this many peers: peers are the
 * usual measure, CPU catches what peers do not (video, transcoding, HLS encoders).
 */
export const SPACE_WEIGHT = 10;
export const CPU_CORE_WEIGHT = 20;

export function loadScore(n: Pick<NodeInfo, 'load' | 'pending'>): number {
  return n.load.peers + SPACE_WEIGHT * (n.load.spaces + n.pending) + CPU_CORE_WEIGHT * n.load.cpu;
}

/** The least loaded node that takes new Spaces (ties: the smaller id); null when none does. */
export function leastLoaded(nodes: readonly NodeInfo[]): NodeInfo | null {
  let best: NodeInfo | null = null;
  let bestScore = Infinity;
  for (const n of nodes) {
    if (n.draining) continue;
    const score = loadScore(n);
    if (score < bestScore || (score === bestScore && best !== null && n.id < best.id)) {
      best = n;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Assigns orphaned Spaces to nodes in turn, each assignment weighing on the next (so that a
 * dead node's Spaces spread instead of all landing on the one least loaded node). A Space
 * whose previous owner is still registered and takes Spaces goes back to it (it lost only its
 * lease, say to a Redis restart, and will renew it); one placed on a node that takes Spaces
 * stays there. Pure: the same inputs give every node the same plan.
 */
export function assignOrphans(
  orphans: ReadonlyArray<{ id: string; placedOn: string | null; lastOwner: string | null }>,
  nodes: readonly NodeInfo[],
): Map<string, string> {
  const plan = new Map<string, string>();
  const open = new Map(nodes.filter((n) => !n.draining).map((n) => [n.id, { ...n }]));
  for (const o of [...orphans].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const sticky = [o.placedOn, o.lastOwner].find((id) => id !== null && open.has(id));
    const target = sticky ? open.get(sticky)! : leastLoaded([...open.values()]);
    if (!target) break;
    plan.set(o.id, target.id);
    target.pending++;
  }
  return plan;
}
