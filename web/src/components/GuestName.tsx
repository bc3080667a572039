// A guest's display name: shown to everyone marked as a guest's, neither unique nor a handle.
// The server validates it (1–32 characters, no control characters); a refused name changes
// nothing and the form says why.
import { useId, useState, type FormEvent } from 'react';
import type { PersonView } from '../../../src/protocol/messages.js';
import { saveGuestName } from '../lib/guest.js';

/** What a person is called on screen: a guest's chosen name, else the handle. */
export function shownName(p: { handle: string; name?: string }): string {
  return p.name ?? p.handle;
}

interface Props {
  you: PersonView;
  /** Resolves null once the server took the name, else the reason it did not. */
  onSave(name: string): Promise<string | null>;
}

export function GuestNameForm({ you, onSave }: Props) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(you.name ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const refusal = await onSave(value);
    setBusy(false);
    if (refusal) {
      // The server's reason reads "name: …"; the field already says what it is about.
      setError(refusal.replace(/^name: /, ''));
      return;
    }
    saveGuestName(value.trim().replace(/\s+/g, ' '));
    setError(null);
    setEditing(false);
  };

  if (!editing) {
    return (
      <section className="panel guest-name" aria-label="Your name">
        <p>
          You're listening as <strong className="guest-name-current">{shownName(you)}</strong> <span className="tag">Guest</span>
        </p>
        <button
          type="button"
          className="button button-secondary button-tiny"
          onClick={() => {
            setValue(you.name ?? '');
            setEditing(true);
          }}
        >
          {you.name ? 'Change name' : 'Set your name'}
        </button>
      </section>
    );
  }
  return (
    <section className="panel guest-name" aria-label="Your name">
      <form className="guest-name-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={inputId}>Your name (shown as a guest's)</label>
          <input id={inputId} value={value} autoComplete="nickname" onChange={(e) => setValue(e.target.value)} aria-invalid={error !== null} autoFocus />
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="guest-name-actions">
          <button type="submit" className="button button-primary button-tiny" disabled={busy}>
            Save name
          </button>
          <button type="button" className="button button-secondary button-tiny" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
