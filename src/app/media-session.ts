// A WHIP or WHEP session as its Space holds it: whose it is, the ETag its PATCHes must match,
// and (WHIP) the stream key that must come with them. Its id names the Space first, so that
// the HTTP routes find the one owner of a session (the LiveSpace) without a list of their own.
import { randomBytes } from 'node:crypto';

export interface MediaSession {
  readonly id: string;
  readonly kind: 'whip' | 'whep';
  readonly spaceId: string;
  readonly userId: string;
  readonly etag: string;
  /** WHIP sessions: the stream key that created it, required again for PATCH and DELETE. */
  readonly key: string | null;
}

/** Space ids never hold a dot (`[A-Za-z0-9_-]`), so the first one ends the Space's part. */
const SEPARATOR = '.';

export function newMediaSession(spaceId: string, kind: 'whip' | 'whep', userId: string, key: string | null): MediaSession {
  return {
    id: `${spaceId}${SEPARATOR}${randomBytes(12).toString('base64url')}`,
    kind,
    spaceId,
    userId,
    etag: `"${randomBytes(6).toString('hex')}"`,
    key,
  };
}

/** The Space a session id names (null: not a session id). */
export function sessionSpaceId(id: string): string | null {
  const at = id.indexOf(SEPARATOR);
  return at > 0 ? id.slice(0, at) : null;
}

/**
 * A Space's running sessions, by id. One per person: a publisher's new session replaces the
 * one before (the room does the same with its peer), so the old id stops working at once.
 */
export class MediaSessions {
  private readonly byId = new Map<string, MediaSession>();

  /** Adds `session`, ending any earlier session of the same person. */
  add(session: MediaSession): void {
    const previous = this.of(session.userId);
    if (previous) this.byId.delete(previous.id);
    this.byId.set(session.id, session);
  }

  remove(session: MediaSession): void {
    this.byId.delete(session.id);
  }

  get(id: string): MediaSession | undefined {
    return this.byId.get(id);
  }

  /** The person's running session (at most a handful per Space: a linear look is cheapest). */
  of(userId: string): MediaSession | undefined {
    for (const s of this.byId.values()) if (s.userId === userId) return s;
    return undefined;
  }

  get size(): number {
    return this.byId.size;
  }
}
