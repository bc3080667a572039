// "Stream from an encoder": the host's WHIP stream key for this Space (for themselves, or for a
// speaker who will publish from OBS onto the stage), with the server URL to put next to it,
// the WHEP playback URL for standard players, and "Rotate key" (the old key stops at once).
// Opening the dialog shows the key this browser issued last; it issues one only when there is
// none, since issuing rotates.
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { errorText } from '../lib/errors.js';
import { useAuth } from '../state/auth.js';
import { issueStreamKey, knownStreamKey, type StreamKey } from '../state/streamKeys.js';
import { useToast } from '../state/toasts.js';
import { CopyIcon, EyeIcon, EyeOffIcon, RotateIcon } from './Icons.js';
import { Modal } from './Modal.js';

interface Props {
  spaceId: string;
  /** Whose key: yourself (the host), or a speaker. */
  person: { userId: string; handle: string };
  self: boolean;
  onClose(): void;
}

export function StreamKeyDialog({ spaceId, person, self, onClose }: Props) {
  const { api } = useAuth();
  const toast = useToast();
  const [key, setKey] = useState<StreamKey | null>(() => knownStreamKey(spaceId, person.userId));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const mounted = useRef(true);

  const issue = useCallback(
    async (rotating: boolean) => {
      setBusy(true);
      setError(null);
      try {
        const k = await issueStreamKey(api, spaceId, self ? undefined : person.userId);
        if (!mounted.current) return;
        setKey(k);
        if (rotating) toast('New stream key. The old one no longer works.', 'success');
      } catch (err) {
        if (mounted.current) setError(errorText(err));
      } finally {
        if (mounted.current) setBusy(false);
      }
    },
    [api, spaceId, self, person.userId, toast],
  );

  useEffect(() => {
    mounted.current = true;
    if (!knownStreamKey(spaceId, person.userId)) void issue(false);
    return () => {
      mounted.current = false;
    };
  }, [issue, spaceId, person.userId]);

  return (
    <Modal
      title={self ? 'Stream from an encoder' : `Stream key for @${person.handle}`}
      className="modal-wide stream-key-dialog"
      onDismiss={onClose}
      actions={
        <button type="button" className="button button-primary" onClick={onClose} data-autofocus="">
          Done
        </button>
      }
    >
      <p className="stream-key-intro">
        {self
          ? 'Send video and sound from OBS or any WHIP encoder. It goes out on stage as you, in place of your camera.'
          : `Give these to @${person.handle}. While they are on stage, their encoder's video and sound go out as theirs.`}
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <CopyField label="Server (WHIP URL)" value={key?.whipUrl ?? ''} copyLabel="Copy URL" busy={busy && !key} />
      <CopyField
        label="Stream key (Bearer Token)"
        value={key?.key ?? ''}
        copyLabel="Copy key"
        busy={busy && !key}
        secret={!shown}
        extra={
          <button
            type="button"
            className="button button-secondary button-tiny key-toggle"
            aria-pressed={shown}
            onClick={() => setShown((s) => !s)}
            disabled={!key}
            title={shown ? 'Hide the key' : 'Show the key'}
          >
            {shown ? <EyeOffIcon size={14} /> : <EyeIcon size={14} />}
            Show
          </button>
        }
      />
      <p className="stream-key-help">
        <strong>OBS 30+:</strong> Settings → Stream → Service <q>WHIP</q>, Server = the URL, Bearer Token = the key.
      </p>
      <div className="stream-key-rotate">
        <button type="button" className="button button-secondary button-small" onClick={() => void issue(true)} disabled={busy}>
          <RotateIcon size={15} />
          Rotate key
        </button>
        <span className="field-hint">The old key stops working at once.</span>
      </div>
      <div className="stream-key-divider" role="separator" />
      <CopyField
        label="Playback (WHEP URL)"
        hint="For players that speak WHEP, to watch this Space outside the app."
        value={key?.whepUrl ?? new URL(`/whep/${encodeURIComponent(spaceId)}`, location.origin).href}
        copyLabel="Copy playback URL"
      />
    </Modal>
  );
}

function CopyField({
  label,
  value,
  copyLabel,
  hint,
  busy = false,
  secret = false,
  extra,
}: {
  label: string;
  value: string;
  copyLabel: string;
  hint?: string;
  busy?: boolean;
  secret?: boolean;
  extra?: ReactNode;
}) {
  const id = useId();
  const toast = useToast();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = window.setTimeout(() => setCopied(false), 1600);
    return () => window.clearTimeout(t);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      toast("Couldn't copy. Select the text and copy it yourself.", 'error');
    }
  };
  return (
    <div className="field key-field">
      <label htmlFor={id}>{label}</label>
      <div className="key-row">
        <input
          id={id}
          readOnly
          type={secret ? 'password' : 'text'}
          value={busy ? '' : value}
          placeholder={busy ? 'Issuing…' : ''}
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby={hint ? `${id}-hint` : undefined}
          className="key-input"
        />
        {extra}
        <button type="button" className="button button-secondary button-tiny key-copy" onClick={copy} disabled={!value || busy} aria-label={copyLabel}>
          <CopyIcon size={14} />
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}
