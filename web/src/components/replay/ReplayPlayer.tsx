// The replay's player: the recording's stage video, or for an audio-only recording the
// stage as it sounded (whoever holds the floor, large, with a ring while they talk; the same
// over the plain card a video recording shows while nobody had a camera on), and our
// own controls: play/pause, a scrubber that shows the speakers' turns, and "Skip to next
// speaker". The media element is passed in, so the timeline next to it can seek it too.
import type { CSSProperties, RefObject } from 'react';
import { hueFor } from '../../lib/identity.js';
import { atHandle, formatClock, nextSpeakerTurn, turnAt } from '../../lib/timeline.js';
import type { HlsStatus } from '../../state/hlsPlayer.js';
import type { Recording } from '../../state/recordings.js';
import { useShowsIdleCard } from '../../state/useIdleCard.js';
import type { MediaClock } from '../../state/useMediaClock.js';
import { Avatar } from '../Avatar.js';
import { PauseIcon, PlayIcon, SkipIcon } from '../Icons.js';

interface Props {
  recording: Recording;
  media: RefObject<HTMLVideoElement | null>;
  clock: MediaClock;
  status: HlsStatus;
}

export function ReplayPlayer({ recording, media, clock, status }: Props) {
  const turns = recording.timeline;
  const current = turns[turnAt(turns, clock.time)];
  const next = nextSpeakerTurn(turns, clock.time);
  const duration = clock.duration || recording.durationSec || 0;
  const loading = !clock.paused && (status === 'loading' || status === 'waiting');
  const onCard = useShowsIdleCard(media, recording.hasVideo);
  const showSpeaker = !recording.hasVideo || onCard;
  return (
    <section className="replay-player" aria-label="Replay">
      <div
        className={`stage-video replay-screen${recording.hasVideo ? ' is-playing' : ' is-audio-only'}`}
        style={{ '--hue': current ? hueFor(current.handle) : 255 } as CSSProperties}
      >
        {/* A <video> either way: it plays an audio-only playlist just as well. */}
        <video ref={media} className="stage-video-media" playsInline preload="metadata" data-replay-player="" hidden={!recording.hasVideo} />
        {showSpeaker && (
          <div className="stage-video-empty" data-idle-card={onCard ? '' : undefined}>
            {current ? (
              <Avatar handle={current.handle} size="xl" level={clock.paused ? undefined : 0.55} />
            ) : (
              <span className="stage-video-empty-note stage-video-quiet">{clock.time === 0 ? 'Press play to listen' : 'Nobody is talking'}</span>
            )}
          </div>
        )}
        {current && (
          <div className="stage-video-caption">
            {!clock.paused && (
              <span className="active-bars" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
            )}
            <span className="stage-video-name">{atHandle(current.handle)}</span>
          </div>
        )}
        {loading && (
          <span className="stage-video-status" role="status">
            <span className="spinner" aria-hidden="true" />
            Loading…
          </span>
        )}
        {status === 'unsupported' && (
          <span className="stage-video-status" role="status">
            This browser can't play the replay
          </span>
        )}
      </div>
      <div className="replay-controls">
        <button type="button" className="replay-play" onClick={clock.toggle} aria-label={clock.paused ? 'Play' : 'Pause'}>
          {clock.paused ? <PlayIcon size={22} /> : <PauseIcon size={22} />}
        </button>
        <div className="replay-scrub">
          <TurnBand recording={recording} duration={duration} />
          <input
            type="range"
            className="replay-range"
            aria-label="Seek"
            min={0}
            max={Math.max(1, duration)}
            step={0.1}
            value={Math.min(clock.time, duration || clock.time)}
            aria-valuetext={`${formatClock(clock.time)} of ${formatClock(duration)}`}
            onChange={(e) => clock.seek(Number(e.target.value), !clock.paused)}
            style={{ '--progress': duration > 0 ? `${Math.min(100, (100 * clock.time) / duration)}%` : '0%' } as CSSProperties}
          />
        </div>
        <span className="replay-time">
          {formatClock(clock.time)} <span className="replay-time-total">/ {formatClock(duration)}</span>
        </span>
        <button
          type="button"
          className="button button-secondary button-small replay-skip"
          onClick={() => next && clock.seek(next.startSec)}
          disabled={!next}
          title={next ? `${atHandle(next.handle)} at ${formatClock(next.startSec)}` : 'Nobody else speaks after this'}
        >
          <SkipIcon size={15} />
          Skip to next speaker
        </button>
      </div>
    </section>
  );
}

/** The turns drawn along the scrubber, each in its speaker's colour. */
function TurnBand({ recording, duration }: { recording: Recording; duration: number }) {
  if (duration <= 0) return null;
  return (
    <div className="replay-band" aria-hidden="true">
      {recording.timeline.map((t, i) => (
        <span
          key={i}
          style={
            {
              left: `${(100 * t.startSec) / duration}%`,
              width: `${(100 * (Math.min(t.endSec, duration) - t.startSec)) / duration}%`,
              '--hue': hueFor(t.handle),
            } as CSSProperties
          }
        />
      ))}
    </div>
  );
}
