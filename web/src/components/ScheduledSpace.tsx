// A Space that has not started: when, who hosts, and for the host a "Start now" button and
// the "Record Space" switch; for everyone "Add to calendar" (an .ics from the server) and, for
// listeners, "Remind me" (components/StartReminder.tsx).
import { useState } from 'react';
import type { SpaceSummary } from '../../../src/protocol/messages.js';
import { errorText } from '../lib/errors.js';
import { formatStart } from '../lib/format.js';
import { useAuth } from '../state/auth.js';
import { useToast } from '../state/toasts.js';
import { Avatar } from './Avatar.js';
import { CalendarIcon, RecordIcon } from './Icons.js';
import { RemindMeToggle } from './StartReminder.js';

interface Props {
  space: SpaceSummary | null;
  /** Called once the host started it, to join the now live Space. */
  onStarted(): void;
}

export function ScheduledSpace({ space, onStarted }: Props) {
  const { user, api } = useAuth();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!space) {
    return (
      <main id="main" className="full-page-message">
        <div className="full-page-card">
          <h1>This Space hasn't started yet</h1>
          <p className="muted">We'll connect you as soon as it goes live.</p>
        </div>
      </main>
    );
  }
  const isHost = user?.id === space.hostId;
  const start = async () => {
    setBusy(true);
    try {
      await api.startSpace(space.id);
      onStarted();
    } catch (err) {
      toast(errorText(err), 'error');
      setBusy(false);
    }
  };
  return (
    <main id="main" className="full-page-message">
      <div className="full-page-card scheduled-card">
        <span className="scheduled-badge">
          <CalendarIcon size={16} />
          Scheduled
        </span>
        <h1>{space.title}</h1>
        <p className="scheduled-when">
          Starts <time dateTime={space.scheduledFor ?? undefined}>{formatStart(space.scheduledFor)}</time>
        </p>
        <div className="scheduled-host">
          <Avatar handle={space.hostHandle} size="sm" />
          <span>
            {space.hostHandle} <span className="muted">· host</span>
          </span>
        </div>
        <div className="scheduled-actions">
          <a className="button button-secondary" href={`/api/spaces/${encodeURIComponent(space.id)}/calendar.ics`} download>
            <CalendarIcon size={16} />
            Add to calendar
          </a>
          {!isHost && <RemindMeToggle spaceId={space.id} />}
        </div>
        {isHost && <ScheduledRecordSwitch spaceId={space.id} initial={space.recording === true} />}
        {isHost ? (
          <button type="button" className="button button-primary button-large" onClick={start} disabled={busy}>
            Start now
          </button>
        ) : (
          <p className="muted">Keep this page open: you'll join automatically when it goes live.</p>
        )}
      </div>
    </main>
  );
}

/** The host's "Record Space" for a Space that has not started (over HTTP: there is no session yet). */
function ScheduledRecordSwitch({ spaceId, initial }: { spaceId: string; initial: boolean }) {
  const { api } = useAuth();
  const toast = useToast();
  const [on, setOn] = useState(initial);
  const [busy, setBusy] = useState(false);
  const toggle = async () => {
    setBusy(true);
    try {
      await api.setRecording(spaceId, !on);
      setOn(!on);
      toast(on ? "This Space won't be recorded" : 'This Space will be recorded', 'success');
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className={`button button-secondary record-switch${on ? ' is-on' : ''}`} aria-pressed={on} onClick={toggle} disabled={busy}>
      <RecordIcon size={16} />
      Record Space
      {/* The state is aria-pressed for assistive tech; this is the same for the eye. */}
      <span className="switch-state" aria-hidden="true">
        {on ? 'On' : 'Off'}
      </span>
    </button>
  );
}
