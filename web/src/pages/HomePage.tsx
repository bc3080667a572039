// Home: start a Space, and browse the live and scheduled ones.
import { useEffect, useState } from 'react';
import type { SpaceList } from '../../../src/sdk/api.js';
import { AppHeader } from '../components/AppHeader.js';
import { LiveSpaceCard, ScheduledSpaceCard } from '../components/SpaceCard.js';
import { StartSpaceForm } from '../components/StartSpaceForm.js';
import { errorText } from '../lib/errors.js';
import { useAuth } from '../state/auth.js';

const REFRESH_MS = 10_000;

function useSpaceList(): { list: SpaceList | null; error: string | null } {
  const { api } = useAuth();
  const [list, setList] = useState<SpaceList | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const load = () =>
      api.listSpaces().then(
        (l) => {
          if (cancelled) return;
          setList(l);
          setError(null);
        },
        (err: unknown) => !cancelled && setError(errorText(err)),
      );
    void load();
    const timer = window.setInterval(load, REFRESH_MS);
    const onVisible = () => document.visibilityState === 'visible' && void load();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [api]);
  return { list, error };
}

export function HomePage() {
  const { user } = useAuth();
  const { list, error } = useSpaceList();
  useEffect(() => {
    document.title = 'Spaces';
  }, []);

  return (
    <div className="page">
      <AppHeader />
      <main id="main" className="home">
        <section className="hero" aria-labelledby="hero-heading">
          <div className="hero-copy">
            <h1 id="hero-heading">Live conversations, on your own server.</h1>
            <p className="hero-sub">
              {user ? `Hi ${user.handle}. ` : ''}Host a room or go live with video, bring people up to talk, and let anyone listen in — no app to install.
            </p>
          </div>
        </section>

        {error && !list && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}

        {/* What is live comes first, for everyone: most visitors come to listen. The host's form
            sits beside it on a wide screen and after it on a phone. */}
        <div className="home-body">
          <section className="home-section home-live" aria-labelledby="live-heading">
            <div className="section-head">
              <h2 id="live-heading">Live now</h2>
              {list && list.live.length > 0 && <span className="count-pill">{list.live.length}</span>}
            </div>
            {!list ? (
              <div className="card-grid" aria-hidden="true">
                <div className="space-card skeleton" />
                <div className="space-card skeleton" />
                <div className="space-card skeleton" />
              </div>
            ) : list.live.length === 0 ? (
              <div className="empty-state">
                <p className="empty-title">It's quiet right now</p>
                <p className="muted">No Spaces are live. Start one and share the link.</p>
              </div>
            ) : (
              <div className="card-grid">
                {list.live.map((s) => (
                  <LiveSpaceCard key={s.id} space={s} />
                ))}
              </div>
            )}
          </section>

          <section className="home-start" aria-label="Start a Space">
            <div className="hero-card">
              <StartSpaceForm />
            </div>
          </section>

          {list && list.scheduled.length > 0 && (
            <section className="home-section home-scheduled" aria-labelledby="scheduled-heading">
              <div className="section-head">
                <h2 id="scheduled-heading">Coming up</h2>
              </div>
              <div className="scheduled-list">
                {list.scheduled.map((s) => (
                  <ScheduledSpaceCard key={s.id} space={s} />
                ))}
              </div>
            </section>
          )}
        </div>
      </main>
    </div>
  );
}
