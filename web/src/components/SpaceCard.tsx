// One Space in the home page lists: live (who is on stage, how many listen) or scheduled.
// Broadcasts ("Go live") say so: LIVE video.
import { useState, type CSSProperties } from 'react';
import type { SpaceListItem } from '../../../src/sdk/api.js';
import { errorText } from '../lib/errors.js';
import { formatStart, listeningText, watchingText } from '../lib/format.js';
import { hueFor } from '../lib/identity.js';
import { Link, navigate, spacePath } from '../router.js';
import { useAuth } from '../state/auth.js';
import { useToast } from '../state/toasts.js';
import { Avatar } from './Avatar.js';
import { CalendarIcon, EyeIcon, HeadphonesIcon } from './Icons.js';

const MAX_FACES = 5;

export function LiveSpaceCard({ space }: { space: SpaceListItem }) {
  const faces = space.stage.slice(0, MAX_FACES);
  const extra = space.stage.length - faces.length;
  const broadcast = space.kind === 'broadcast';
  return (
    <article
      className={`space-card space-card-live${broadcast ? ' is-broadcast' : ''}`}
      style={{ '--hue': hueFor(space.title) } as CSSProperties}
      data-kind={space.kind}
    >
      <div className="space-card-top">
        <span className="live-pill">
          <span className="live-dot" aria-hidden="true" />
          Live
          {broadcast && <span className="live-pill-kind"> video</span>}
        </span>
        <span className="space-card-listening">
          {broadcast ? <EyeIcon size={15} /> : <HeadphonesIcon size={15} />}
          {broadcast ? watchingText(space.listenerCount) : listeningText(space.listenerCount)}
        </span>
      </div>

      <h3 className="space-card-title">
        <Link to={spacePath(space.id)} className="stretched-link">
          {space.title}
        </Link>
      </h3>
      <div className="space-card-bottom">
        <div className="face-stack">
          {faces.map((p) => (
            <Avatar key={p.userId} handle={p.handle} size="sm" />
          ))}
          {extra > 0 && <span className="face-more">+{extra}</span>}
        </div>
        <span className="space-card-host">
          {space.hostHandle} <span className="muted">· host</span>
        </span>
      </div>
    </article>
  );
}

export function ScheduledSpaceCard({ space }: { space: SpaceListItem }) {
  const { user, api } = useAuth();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const isHost = user?.id === space.hostId;
  const start = async () => {
    setBusy(true);
    try {
      await api.startSpace(space.id);
      navigate(spacePath(space.id));
    } catch (err) {
      toast(errorText(err), 'error');
      setBusy(false);
    }
  };
  return (
    <article className="space-card space-card-scheduled">
      <span className="scheduled-icon" aria-hidden="true">
        <CalendarIcon size={20} />
      </span>
      <div className="scheduled-body">
        <h3 className="space-card-title">
          <Link to={spacePath(space.id)} className="stretched-link">
            {space.title}
          </Link>
        </h3>
        <p className="scheduled-meta">
          <time dateTime={space.scheduledFor ?? undefined}>{formatStart(space.scheduledFor)}</time>
          <span className="muted"> · {space.hostHandle}</span>
          {space.kind === 'broadcast' && <span className="muted"> · Live video</span>}
        </p>
      </div>
      {isHost && (
        <button type="button" className="button button-primary button-small above-link" onClick={start} disabled={busy}>
          Start now
        </button>
      )}
    </article>
  );
}
