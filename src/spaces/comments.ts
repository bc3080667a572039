// Who wrote which comment, so that the domain can decide who may delete it. The comments
// themselves (text, storage, history) belong to the app layer; the domain only needs authors.
// The memory is bounded: the app layer tells the domain again about an older comment
// (rememberComment) before asking to delete it.
import { reject } from './errors.js';
import type { SpaceEvent } from './events.js';
import type { Participant } from './participant.js';
import { canDeleteComment } from './permissions.js';
import type { Roster } from './roster.js';

/** Authors of this many of the latest comments are kept; older ones are forgotten first. */
export const REMEMBERED_COMMENTS = 1000;

export class CommentAuthors {
  /** Insertion order is age: the first entry is forgotten first. */
  private readonly authors = new Map<string, string>();

  constructor(private readonly capacity = REMEMBERED_COMMENTS) {}

  get(commentId: string): string | undefined {
    return this.authors.get(commentId);
  }

  has(commentId: string): boolean {
    return this.authors.has(commentId);
  }

  add(commentId: string, authorId: string): void {
    this.authors.delete(commentId);
    this.authors.set(commentId, authorId);
    while (this.authors.size > this.capacity) {
      const oldest = this.authors.keys().next().value as string;
      this.authors.delete(oldest);
    }
  }

  delete(commentId: string): void {
    this.authors.delete(commentId);
  }

  entries(): IterableIterator<[string, string]> {
    return this.authors.entries();
  }
}

/**
 * deleteComment. Check order: comment exists -> permission on its author. Anyone may delete
 * their own; otherwise the actor must outrank the author as for removing them (an author who
 * is no longer in the Space ranks as a listener).
 */
export function deleteComment(roster: Roster, comments: CommentAuthors, actor: Participant, commentId: string): SpaceEvent[] {
  const authorId = comments.get(commentId) ?? reject('not_found', 'no such comment');
  const self = authorId === actor.userId;
  const author = roster.get(authorId);
  if (!canDeleteComment(actor.role, author?.role ?? null, self)) {
    reject('not_permitted', `a ${actor.role} cannot delete a comment of the ${author?.role ?? 'former participant'}`);
  }
  comments.delete(commentId);
  return [{ kind: 'commentDeleted', commentId, authorId, by: actor.userId }];
}
