// The comments of a replay, as they came during the Space: each one appears when the replay
// reaches the moment it was posted, so the chat reads along with what is heard. A comment's
// time seeks the player there.
import { useEffect, useRef } from 'react';
import { atHandle, formatClock } from '../../lib/timeline.js';
import type { ReplayComment } from '../../state/recordings.js';
import { Avatar } from '../Avatar.js';
import { ChatIcon } from '../Icons.js';

interface Props {
  comments: ReplayComment[];
  time: number;
  onSeek(sec: number): void;
}

/** How many comments have been posted by `t` (they are sorted by time). */
function shownAt(comments: readonly ReplayComment[], t: number): number {
  let lo = 0;
  let hi = comments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid]!.atSec <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function ReplayComments({ comments, time, onSeek }: Props) {
  const count = shownAt(comments, time);
  const shown = comments.slice(0, count);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  // Follow the newest comment while the reader is at the bottom (a seek back always lands there).
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [count]);

  if (comments.length === 0) return null;
  return (
    <section className="panel replay-comments" aria-label="Comments">
      <div className="panel-head">
        <h2>Comments</h2>
        <span className="listener-count">
          {count} of {comments.length}
        </span>
      </div>
      <div className="comment-scroll" ref={box} role="log" aria-label="Comments so far" tabIndex={0}>
        {shown.length === 0 ? (
          <div className="comments-empty">
            <ChatIcon size={22} />
            <p>Comments show up here as the replay reaches them.</p>
          </div>
        ) : (
          <ol className="comment-list">
            {shown.map((c) => (
              <li key={c.id} className="comment" data-comment-id={c.id}>
                <Avatar handle={c.handle} size="xs" />
                <div className="comment-body">
                  <p className="comment-head">
                    <span className="comment-handle">{c.handle}</span>
                    <button
                      type="button"
                      className="comment-seek"
                      onClick={() => onSeek(c.atSec)}
                      aria-label={`Play from ${formatClock(c.atSec)}, when ${atHandle(c.handle)} commented`}
                    >
                      {formatClock(c.atSec)}
                    </button>
                  </p>
                  <p className="comment-text">{c.text}</p>
                </div>
              </li>
            ))}
          </ol>
        )}
      </div>
    </section>
  );
}
