// An ended Space's replay: what it was, the player, and the speaker timeline beside it
// (under it on a phone), with the comments as they were posted. All drive the same media element.
import { useRef } from 'react';
import { formatClock, speakersOf } from '../../lib/timeline.js';
import type { Recording } from '../../state/recordings.js';
import { useHls } from '../../state/useHls.js';
import { useMediaClock } from '../../state/useMediaClock.js';
import { ReplayComments } from './ReplayComments.js';
import { ReplayPlayer } from './ReplayPlayer.js';
import { SpeakerTimeline } from './SpeakerTimeline.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });

function when(value: string | null): string | null {
  if (value === null) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : dateFormat.format(d);
}

export function ReplayView({ recording }: { recording: Recording }) {
  const media = useRef<HTMLVideoElement>(null);
  const { status } = useHls(media, recording.playlistUrl, false, false);
  const clock = useMediaClock(media, recording.durationSec ?? 0);
  const started = when(recording.startedAt);
  const expires = when(recording.expiresAt);
  const speakers = speakersOf(recording.timeline).length;
  const meta = [
    started,
    recording.durationSec ? formatClock(recording.durationSec) : null,
    speakers > 0 ? `${speakers} ${speakers === 1 ? 'speaker' : 'speakers'}` : null,
  ].filter(Boolean);

  return (
    <main id="main" className="replay">
      <div className="replay-head">
        <span className="replay-pill">Replay</span>
        <div>
          <h1 className="space-title">{recording.title}</h1>
          <p className="replay-meta">
            This Space has ended{meta.length > 0 ? ' · ' : ''}
            {meta.join(' · ')}
          </p>
        </div>
      </div>
      <div className="replay-layout">
        <div className="replay-main">
          <ReplayPlayer recording={recording} media={media} clock={clock} status={status} />
          {expires && <p className="field-hint replay-expiry">Available until {expires}</p>}
        </div>
        <div className="replay-side">
          <SpeakerTimeline turns={recording.timeline} time={clock.time} onSeek={clock.seek} />
          <ReplayComments comments={recording.comments} time={clock.time} onSeek={clock.seek} />
        </div>
      </div>
    </main>
  );
}
