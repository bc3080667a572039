// What the directory shows: the live Spaces and the scheduled ones, each with its stage and
// audience. Spaces this node runs are read from memory; in a cluster, those that run on other
// nodes come from the store, with what their owners publish of their stage and audience
// (SpacePlacement.views), so that every node lists every Space.
import type { Logger } from 'pino';
import type { SpaceStore } from '../store/space-store.js';
import type { LiveSpace } from './live-space.js';
import type { SpaceLiveView, SpacePlacement } from './space-placement.js';
import { listItem, summary, type SpaceListItem } from './space-records.js';

/** At most this many live Spaces of other nodes in one listing. */
const LISTED_ELSEWHERE = 500;

export class SpaceListing {
  constructor(
    private readonly store: Pick<SpaceStore, 'get' | 'listByState'>,
    private readonly placement: SpacePlacement,
    /** The Spaces this node runs, by id. */
    private readonly local: () => ReadonlyMap<string, LiveSpace>,
    private readonly log: Logger,
  ) {}

  async get(spaceId: string): Promise<SpaceListItem | undefined> {
    const live = this.local().get(spaceId);
    if (live) return listItem(live);
    const record = await this.store.get(spaceId);
    if (!record) return undefined;
    const view = record.state === 'live' ? (await this.remoteViews([record.id])).get(record.id) : undefined;
    return { ...summary(record), stage: view?.stage ?? [], listenerCount: view?.listenerCount ?? 0 };
  }

  async list(): Promise<{ live: SpaceListItem[]; scheduled: SpaceListItem[] }> {
    const local = this.local();
    const live = [...local.values()].filter((l) => l.space.state === 'live').map(listItem);
    if (this.placement.clustered) {
      const elsewhere = (await this.store.listByState('live', LISTED_ELSEWHERE)).filter((r) => !local.has(r.id));
      const views = await this.remoteViews(elsewhere.map((r) => r.id));
      for (const r of elsewhere) {
        const view = views.get(r.id);
        live.push({ ...summary(r), stage: view?.stage ?? [], listenerCount: view?.listenerCount ?? 0 });
      }
    }
    live.sort((a, b) => b.listenerCount + b.stage.length - (a.listenerCount + a.stage.length));
    const scheduled = (await this.store.listByState('scheduled')).map((r) => ({ ...summary(r), stage: [], listenerCount: 0 }));
    return { live, scheduled };
  }

  /** What this node publishes of each Space it runs. */
  liveViews(): Map<string, SpaceLiveView> {
    const views = new Map<string, SpaceLiveView>();
    for (const l of this.local().values()) {
      if (l.space.state !== 'live') continue;
      const { stage, listenerCount } = listItem(l);
      views.set(l.space.id, { stage, listenerCount });
    }
    return views;
  }

  /** Nothing when the views cannot be read: the listing loses its counts, not its Spaces. */
  private async remoteViews(ids: string[]): Promise<Map<string, SpaceLiveView>> {
    if (!this.placement.clustered || ids.length === 0) return new Map();
    return this.placement.views(ids).catch((err: unknown) => {
      this.log.warn({ err }, 'could not read what other nodes publish of their Spaces');
      return new Map<string, SpaceLiveView>();
    });
  }
}
