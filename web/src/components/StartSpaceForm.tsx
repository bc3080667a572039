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

/** A guest's form, kept for this tab while they sign up or in, and filled back in after. */
interface Draft {
  title: string;
  when: string;
  record: boolean;
}

const DRAFT_KEY = 'spaces.startDraft';

function loadDraft(): Draft | null {
  try {
    const d = JSON.parse(sessionStorage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null;
    if (!d || typeof d !== 'object') return null;
    return { title: typeof d.title === 'string' ? d.title : '', when: typeof d.when === 'string' ? d.when : '', record: d.record === true };
  } catch {
    return null;
  }
}

function saveDraft(draft: Draft | null): void {
  try {
    if (draft) sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    else sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // Storage unavailable (a private mode): the draft is lost, as it was before drafts.
  }
}

/** Which field an error is about: typing in that field clears it. */
type FormError = { text: string; field?: 'title' | 'when' };

export function StartSpaceForm() {
  const { user, api } = useAuth();
  const [draft] = useState(loadDraft);
  const [title, setTitle] = useState(draft?.title ?? '');
  const [when, setWhen] = useState(draft?.when ?? '');
  const [record, setRecord] = useState(draft?.record ?? false);
  const [error, setError] = useState<FormError | null>(null);
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
      saveDraft({ title, when, record });
      navigate(signInPath('/'));
      return;
    }
    const t = title.trim();
    if (!t) {
      setError({ text: kind === 'broadcast' ? 'Give your broadcast a title.' : 'Give your Space a title.', field: 'title' });
      return;
    }
    if (kind === 'broadcast' && when) {
      setError({ text: 'Go live starts right away. Clear the start time, or schedule a Space instead.', field: 'when' });
      return;
    }
    let scheduledFor: Date | undefined;
    if (when) {
      scheduledFor = new Date(when);
      const ahead = scheduledFor.getTime() - Date.now();
      if (Number.isNaN(ahead) || ahead <= 0) {
        setError({ text: 'Pick a start time in the future.', field: 'when' });
        return;
      }
      if (ahead > MAX_AHEAD_MS) {
        setError({ text: 'Spaces can be scheduled up to 14 days ahead.', field: 'when' });
        return;
      }
    }
    setBusy(kind);
    setError(null);
    try {
      const space = await api.createSpace(t, scheduledFor, { record, kind });
      saveDraft(null);
      // The Space page turns the camera on for a broadcast it was asked to start.
      if (kind === 'broadcast') markGoLive(space.id);
      navigate(spacePath(space.id));
    } catch (err) {
      setError({ text: errorText(err) });
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
          onChange={(e) => {
            setTitle(e.target.value);
            // The message goes once the field is valid, not on the next submit.
            if (error?.field === 'title' && e.target.value.trim()) setError(null);
          }}
          aria-invalid={error?.field === 'title'}
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
          onChange={(e) => {
            setWhen(e.target.value);
            // A changed time is checked again on submit; the old complaint no longer applies.
            if (error?.field === 'when') setError(null);
          }}
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
          {error.text}
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
