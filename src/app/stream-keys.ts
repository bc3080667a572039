// Who may publish into a Space over WHIP: a stream key per person per Space, issued (and
// rotated) by the Space's host, for themselves (a broadcast) or for a speaker.
import type { StreamKeyStore } from '../store/stream-key-store.js';
import type { UserStore } from '../store/user-store.js';
import type { SpaceService } from './space-service.js';
import { AppError } from './app-error.js';

export interface Publisher {
  spaceId: string;
  userId: string;
  handle: string;
}

export class StreamKeys {
  constructor(
    private readonly store: StreamKeyStore,
    private readonly spaces: SpaceService,
    private readonly users: UserStore,
  ) {}

  /** The host issues a key for `userId` (themselves by default); an earlier key for them stops working. */
  async issue(spaceId: string, actorId: string, userId: string = actorId): Promise<{ key: string; userId: string }> {
    const space = await this.spaces.get(spaceId);
    if (!space) throw new AppError('space_not_found', 'no such Space');
    if (space.state === 'ended') throw new AppError('space_ended', 'this Space has ended');
    if (space.hostId !== actorId) throw new AppError('not_permitted', 'only the host issues stream keys');
    if (userId !== actorId && !(await this.users.findById(userId))) throw new AppError('not_found', 'no such user');
    return { key: await this.store.issue(spaceId, userId), userId };
  }

  async revoke(spaceId: string, actorId: string, userId: string): Promise<void> {
    const space = await this.spaces.get(spaceId);
    if (!space) throw new AppError('space_not_found', 'no such Space');
    if (space.hostId !== actorId) throw new AppError('not_permitted', 'only the host revokes stream keys');
    await this.store.revoke(spaceId, userId);
  }

  /** The publisher a key stands for in this Space, or undefined (unknown, rotated, or another Space's). */
  async resolve(spaceId: string, key: string): Promise<Publisher | undefined> {
    const found = await this.store.resolve(key);
    if (!found || found.spaceId !== spaceId) return undefined;
    const user = await this.users.findById(found.userId);
    if (!user) return undefined;
    return { spaceId, userId: user.id, handle: user.handle };
  }
}
