// Handle + password, with both "Sign in" and "Sign up" as submit buttons; the one matching
// the mode comes first, so Enter does what the page was opened for.
import { useState, type FormEvent } from 'react';
import { errorText } from '../lib/errors.js';
import { useAuth } from '../state/auth.js';

const HANDLE = /^[A-Za-z0-9_]{3,20}$/;

interface Props {
  mode: 'signin' | 'signup';
  onDone(): void;
}

export function AuthForm({ mode, onDone }: Props) {
  const { signIn, signUp } = useAuth();
  const [handle, setHandle] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const intent = submitter?.value === 'signup' || submitter?.value === 'signin' ? submitter.value : mode;
    const h = handle.trim();
    if (!HANDLE.test(h)) {
      setError('Handles are 3–20 letters, numbers or underscores.');
      return;
    }
    if (password.length < 8) {
      setError('Passwords have at least 8 characters.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await (intent === 'signup' ? signUp(h, password) : signIn(h, password));
      onDone();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const signInButton = (
    <button key="signin" type="submit" value="signin" disabled={busy} className={`button ${mode === 'signin' ? 'button-primary' : 'button-secondary'}`}>
      Sign in
    </button>
  );
  const signUpButton = (
    <button key="signup" type="submit" value="signup" disabled={busy} className={`button ${mode === 'signup' ? 'button-primary' : 'button-secondary'}`}>
      Sign up
    </button>
  );

  return (
    <form className="auth-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="auth-handle">Handle</label>
        <input
          id="auth-handle"
          name="handle"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          placeholder="your_handle"
          value={handle}
          onChange={(e) => setHandle(e.target.value)}
          aria-describedby="auth-handle-hint"
          aria-invalid={error !== null && !HANDLE.test(handle.trim())}
        />
        <p id="auth-handle-hint" className="field-hint">
          3–20 letters, numbers or underscores
        </p>
      </div>
      <div className="field">
        <label htmlFor="auth-password">Password</label>
        <input
          id="auth-password"
          name="password"
          type="password"
          autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
          placeholder="At least 8 characters"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="auth-actions">{mode === 'signup' ? [signUpButton, signInButton] : [signInButton, signUpButton]}</div>
    </form>
  );
}
