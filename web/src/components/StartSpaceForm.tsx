// "Start a Space": a title, optionally a start time up to 14 days ahead, and whether to record
// it for replay. "Go live" makes a broadcast of it instead: it starts now, and the host's
// camera and microphone come on as soon as the page opens.
import { useMemo, useState, type FormEvent } from 'react';
import { errorText } from '../lib/errors.js';
import { toLocalInput } from '../lib/format.js';
import { navigate, signInPath, spacePath } from '../router.js';
import { useAuth } from '../state/auth.js';
import { markGoLive } from '../state/goLive.js';
import { GoLiveIcon, MicIcon } from './Icons.js';

type Kind = 'space' | 'broadcast';

const MAX_AHEAD_MS = 14 * 24 * 3600 * 1000;

export function StartSpaceForm() {
  const { user, api } = useAuth();
  const [title, setTitle] = useState('');
  const [when, setWhen] = useState('');
  const [record, setRecord] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<Kind | null>(null);
  const bounds = useMemo(() => {
    const now = new Date();
    return { min: toLocalInput(new Date(now.getTime() + 60_000)), max: toLocalInput(new Date(now.getTime() + MAX_AHEAD_MS)) };
  }, []);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    // Enter in a field starts a Space; the Go live button says which it is.
    const submitter = (e.nativeEvent as SubmitEvent).submitter;
    const kind: Kind = submitter instanceof HTMLElement && submitter.dataset.kind === 'broadcast' ? 'broadcast' : 'space';
    if (!user) {
      navigate(signInPath('/'));
      return;
    }
    const t = title.trim();
    if (!t) {
      setError(kind === 'broadcast' ? 'Give your broadcast a title.' : 'Give your Space a title.');
      return;
    }
    if (kind === 'broadcast' && when) {
      setError('Go live starts right away. Clear the start time, or schedule a Space instead.');
      return;
    }
    let scheduledFor: Date | undefined;
    if (when) {
      scheduledFor = new Date(when);
      const ahead = scheduledFor.getTime() - Date.now();
      if (Number.isNaN(ahead) || ahead <= 0) {
        setError('Pick a start time in the future.');
        return;
      }
      if (ahead > MAX_AHEAD_MS) {
        setError('Spaces can be scheduled up to 14 days ahead.');
        return;
      }
    }
    setBusy(kind);
    setError(null);
    try {
      const space = await api.createSpace(t, scheduledFor, { record, kind });
      // The Space page turns the camera on for a broadcast it was asked to start.
      if (kind === 'broadcast') markGoLive(space.id);
      navigate(spacePath(space.id));
    } catch (err) {
      setError(errorText(err));
      setBusy(null);
    }
  };

  return (
    <form className="start-form" onSubmit={submit} noValidate>
      <div className="field start-title">
        <label htmlFor="space-title">Title</label>
        <input
          id="space-title"
          name="title"
          maxLength={100}
          placeholder="What do you want to talk about?"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
        />
      </div>
      <div className="field start-when">
        <label htmlFor="space-start">Start time</label>
        <input
          id="space-start"
          name="scheduledFor"
          type="datetime-local"
          min={bounds.min}
          max={bounds.max}
          value={when}
          onChange={(e) => setWhen(e.target.value)}
          aria-describedby="space-start-hint"
        />
        <p id="space-start-hint" className="field-hint">
          Optional · leave empty to go live now, or pick a time up to 14 days ahead
        </p>
      </div>
      <div className="check-field">
        <input
          id="space-record"
          name="record"
          type="checkbox"
          checked={record}
          onChange={(e) => setRecord(e.target.checked)}
          aria-describedby="space-record-hint"
        />
        <label htmlFor="space-record">Record Space</label>
        <p id="space-record-hint" className="field-hint">
          Keep a replay with a speaker timeline. Everyone sees REC while it records.
        </p>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="start-actions">
        <button type="submit" className="button button-primary button-large start-submit" disabled={busy !== null} data-kind="space">
          <MicIcon size={18} />
          Start a Space
        </button>
        <button
          type="submit"
          className="button button-live button-large start-submit"
          disabled={busy !== null}
          data-kind="broadcast"
          aria-describedby="go-live-hint"
        >
          <GoLiveIcon size={18} />
          Go live
        </button>
      </div>
      <p id="go-live-hint" className="field-hint start-note">
        Go live streams your camera to everyone, with comments and reactions.
      </p>
      {!user && <p className="field-hint start-note">Hosting needs an account; listening never does.</p>}
    </form>
  );
}
