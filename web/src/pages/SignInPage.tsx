import { useEffect } from 'react';
import { AppHeader } from '../components/AppHeader.js';
import { AuthForm } from '../components/AuthForm.js';
import { navigate, useLocation } from '../router.js';

function safeNext(next: string | null): string {
  // Only in-app paths, never another origin.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const { search } = useLocation();
  const mode = search.get('mode') === 'signup' ? 'signup' : 'signin';
  const next = safeNext(search.get('next'));
  useEffect(() => {
    document.title = 'Welcome · Spaces';
  }, []);
  return (
    <div className="page">
      <AppHeader showAuth={false} />
      <main id="main" className="auth-page">
        <div className="auth-card">
          <h1>{mode === 'signup' ? 'Create your account' : 'Welcome back'}</h1>
          <p className="muted auth-sub">
            {mode === 'signup'
              ? 'Pick a handle and a password. Listening needs no account; talking on stage does.'
              : 'Use your handle and password. New here? Pick a handle and a password to create an account.'}
          </p>
          <AuthForm mode={mode} onDone={() => navigate(next, { replace: true })} />
        </div>
      </main>
    </div>
  );
}
