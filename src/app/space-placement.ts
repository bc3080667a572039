// Where live Spaces run. On a single node, here, always. In a cluster (src/cluster), a Space
// runs on exactly one node at a time, its owner: the app asks this interface where a new
// Space goes, claims a Space before running it (the claim's fencing token guards every write
// of its live state), and asks where a Space runs to send a client there. The app depends on
// this interface only; the cluster module implements it, so nothing here imports Redis.
import type { SpaceStore } from '../store/space-store.js';

/** Where a Space runs now. */
export type SpaceLocation = { at: 'here' } | { at: 'node'; nodeId: string; url: string } | { at: 'none' };

/** What the directory shows of a live Space that runs on another node. */
export interface SpaceLiveView {
  stage: Array<{ userId: string; handle: string; role: string }>;
  listenerCount: number;
}

export interface SpacePlacement {
  /** This node's id in the cluster (or "local"). */
  readonly nodeId: string;
  /** True in a cluster: Spaces are adopted by sweeps, not all restored at start. */
  readonly clustered: boolean;
  /**
   * Where a Space about to go live should run: here, or another node (which is told). Throws
   * AppError('unavailable') when it cannot be decided (the cluster's coordinator is down).
   */
  place(spaceId: string): Promise<'here' | 'elsewhere'>;
  /**
   * Takes the sole right to run a Space on this node. Resolves with the claim's fencing token,
   * or null when another node holds the Space.
   */
  claim(spaceId: string): Promise<number | null>;
  /** Gives the Space up (it stays live, for another node to claim). */
  release(spaceId: string): Promise<void>;
  /** Where the Space runs; 'none' when nobody runs it (this node may claim it). */
  locate(spaceId: string): Promise<SpaceLocation>;
  /** What other nodes publish of their live Spaces (stage and audience), by Space id. */
  views(spaceIds: readonly string[]): Promise<Map<string, SpaceLiveView>>;
}

/** One node: every Space runs here. The claim still raises the stored epoch, as in a cluster. */
export class LocalPlacement implements SpacePlacement {
  readonly nodeId = 'local';
  readonly clustered = false;

  constructor(private readonly store: Pick<SpaceStore, 'claim'>) {}

  async place(): Promise<'here'> {
    return 'here';
  }

  async claim(spaceId: string): Promise<number | null> {
    return (await this.store.claim(spaceId, this.nodeId)) ?? null;
  }

  async release(): Promise<void> {}

  async locate(): Promise<SpaceLocation> {
    return { at: 'here' };
  }

  async views(): Promise<Map<string, SpaceLiveView>> {
    return new Map();
  }
}

/** The Space runs on another node: the client should go there (WebSocket: a redirect). */
export class SpaceElsewhereError extends Error {
  constructor(
    readonly spaceId: string,
    readonly url: string,
  ) {
    super(`Space ${spaceId} runs on ${url}`);
    this.name = 'SpaceElsewhereError';
  }
}
