// Who spoke when, next to the replay: a row per speaker with a jump to their next turn, and
// every turn in order ("@ana 0:12–0:31"), the one playing now highlighted and kept in view.
import { useEffect, useRef } from 'react';
import { atHandle, formatClock, nextTurnOf, speakersOf, turnAt } from '../../lib/timeline.js';
import type { SpeakerTurn } from '../../state/recordings.js';
import { Avatar } from '../Avatar.js';
import { SkipIcon } from '../Icons.js';

interface Props {
  turns: SpeakerTurn[];
  time: number;
  onSeek(sec: number): void;
}

export function SpeakerTimeline({ turns, time, onSeek }: Props) {
  const current = turnAt(turns, time);
  const currentSpeaker = turns[current]?.userId;
  const speakers = speakersOf(turns);
  const list = useRef<HTMLOListElement>(null);

  // Keep the playing turn in view inside the list (never scroll the page for it).
  useEffect(() => {
    const box = list.current;
    const item = box?.querySelector<HTMLElement>('[aria-current="true"]');
    if (!box || !item || box.scrollHeight <= box.clientHeight) return;
    const top = item.offsetTop - box.offsetTop;
    if (top < box.scrollTop || top + item.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTo({ top: Math.max(0, top - box.clientHeight / 3), behavior: 'smooth' });
    }
  }, [current]);

  if (turns.length === 0) {
    return (
      <section className="panel replay-timeline" aria-label="Speaker timeline">
        <p className="panel-empty">Nobody spoke on stage in this recording.</p>
      </section>
    );
  }

  return (
    <section className="panel replay-timeline" aria-label="Speaker timeline">
      <div className="panel-head">
        <h2>Speakers</h2>
        <span className="listener-count">{speakers.length}</span>
      </div>
      <ul className="speaker-rows">
        {speakers.map((s) => (
          <li key={s.userId} className={`speaker-row${s.userId === currentSpeaker ? ' is-current' : ''}`}>
            <Avatar handle={s.handle} size="sm" level={s.userId === currentSpeaker ? 0.4 : undefined} />
            <span className="speaker-row-text">
              <span className="speaker-row-handle">{atHandle(s.handle)}</span>
              <span className="speaker-row-meta">
                {s.turns} {s.turns === 1 ? 'turn' : 'turns'} · {formatClock(s.seconds)}
              </span>
            </span>
            <button
              type="button"
              className="button button-secondary button-tiny"
              aria-label={`Jump to ${atHandle(s.handle)}`}
              title={`${atHandle(s.handle)}'s next turn`}
              onClick={() => {
                const turn = nextTurnOf(turns, s.userId, time);
                if (turn) onSeek(turn.startSec);
              }}
            >
              <SkipIcon size={13} />
              Jump
            </button>
          </li>
        ))}
      </ul>
      <h3 className="replay-turns-heading">Timeline</h3>
      <ol className="turn-list" ref={list}>
        {turns.map((t, i) => (
          <li key={i} aria-current={i === current ? 'true' : undefined} className={i === current ? 'is-current' : undefined}>
            <button type="button" className="turn" onClick={() => onSeek(t.startSec)}>
              <Avatar handle={t.handle} size="xs" />
              <span className="turn-handle">{atHandle(t.handle)}</span>{' '}
              <span className="turn-time">
                {formatClock(t.startSec)}–{formatClock(t.endSec)}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
