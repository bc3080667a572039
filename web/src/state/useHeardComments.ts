// The comment list as someone on HLS should see it: comments from others held back by the
// player's delay (see commentsHeardBy), so the chat runs with what they hear.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CommentView } from '../../../src/protocol/messages.js';
import { commentsHeardBy } from './chat.js';

export function useHeardComments(comments: CommentView[], delayMs: number, youId: string | null): CommentView[] {
  const arrived = useRef<Map<string, number> | null>(null);
  const [, setTick] = useState(0);
  const arrivedAt = useMemo(() => {
    const now = Date.now();
    // What the page already had when this started is history, shown at once.
    const known = arrived.current ?? new Map(comments.map((c) => [c.id, -Infinity] as const));
    // One that came while the page played WebRTC was shown at once: it must not vanish when HLS starts.
    for (const c of comments) if (!known.has(c.id)) known.set(c.id, delayMs > 0 ? now : -Infinity);
    // Forget comments that were deleted or dropped from the list.
    if (known.size > comments.length + 50) {
      const ids = new Set(comments.map((c) => c.id));
      for (const id of known.keys()) if (!ids.has(id)) known.delete(id);
    }
    arrived.current = known;
    return known;
  }, [comments, delayMs]);
  const { shown, nextAt } = commentsHeardBy(comments, arrivedAt, delayMs, youId, Date.now());
  useEffect(() => {
    if (nextAt === null) return;
    const id = window.setTimeout(() => setTick((t) => t + 1), Math.max(0, nextAt - Date.now()));
    return () => window.clearTimeout(id);
  }, [nextAt]);
  return shown;
}
