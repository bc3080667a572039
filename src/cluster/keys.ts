// Every Redis key and channel of the cluster, in one place.
const PREFIX = 'spaces:';

export const keys = {
  /** A node's registration (JSON NodeInfo), expiring with its lease. */
  node: (nodeId: string) => `${PREFIX}node:${nodeId}`,
  /** Sorted set of node ids by last heartbeat, to enumerate the registrations. */
  nodes: `${PREFIX}nodes`,
  /** Sorted set (by time placed) of the Spaces placed on a node that its registration does not count yet. */
  pending: (nodeId: string) => `${PREFIX}pending:${nodeId}`,
  /** A Space's owner lease: the id of the node that runs it. */
  owner: (spaceId: string) => `${PREFIX}owner:${spaceId}`,
  /** Where a new Space was placed, until that node claims it. */
  placed: (spaceId: string) => `${PREFIX}placed:${spaceId}`,
  /** What the owner publishes of a live Space (stage, audience) for the other nodes' listings. */
  view: (spaceId: string) => `${PREFIX}view:${spaceId}`,
  /** Nodes publish here to make the others sweep at once (a placement, a hand-off). */
  sweepChannel: `${PREFIX}sweep`,
  /** Owners publish here the commands for a node's copies of their Spaces (that node is an edge). */
  edgeCommands: (nodeId: string) => `${PREFIX}edge-commands:${nodeId}`,
  /** Edges publish here the events of their copies of a node's Spaces (offers, candidates, ...). */
  edgeEvents: (nodeId: string) => `${PREFIX}edge-events:${nodeId}`,
} as const;
