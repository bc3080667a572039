// The top bar shared by the pages: brand, theme toggle, and who is signed in.
import type { ReactNode } from 'react';
import { Link, signInPath } from '../router.js';
import { useAuth } from '../state/auth.js';
import { Avatar } from './Avatar.js';
import { WavesIcon } from './Icons.js';
import { SkipLink } from './SkipLink.js';
import { ThemeToggle } from './ThemeToggle.js';

interface Props {
  /** Replaces the brand on the left (e.g. a back link in a Space). */
  start?: ReactNode;
  /** Extra controls before the theme toggle. */
  end?: ReactNode;
  showAuth?: boolean;
}

export function Brand() {
  return (
    <Link to="/" className="brand" aria-label="Spaces home">
      <span className="brand-mark">
        <WavesIcon size={18} />
      </span>
      <span className="brand-name">Spaces</span>
    </Link>
  );
}

export function AppHeader({ start, end, showAuth = true }: Props) {
  const { user, signOut, signOutEverywhere } = useAuth();
  return (
    <header className="app-header">
      {/* First in the header (every page has it): the first Tab reaches it, inside a landmark. */}
      <SkipLink />
      <div className="app-header-inner">
        <div className="app-header-start">{start ?? <Brand />}</div>
        <div className="app-header-end">
          {end}
          <ThemeToggle />
          {showAuth &&
            (user ? (
              <div className="account">
                <Avatar handle={user.handle} size="xs" />
                <span className="account-handle">{user.handle}</span>
                <button type="button" className="button button-ghost button-small" onClick={signOut}>
                  Sign out
                </button>
                <button
                  type="button"
                  className="button button-ghost button-small account-everywhere"
                  title="End every session of this account, on every device"
                  onClick={() => void signOutEverywhere().catch(() => signOut())}
                >
                  Sign out everywhere
                </button>
              </div>
            ) : (
              <nav className="account" aria-label="Account">
                <Link to={signInPath(location.pathname)} className="button button-ghost button-small">
                  Sign in
                </Link>
                <Link to={signInPath(location.pathname, 'signup')} className="button button-primary button-small">
                  Sign up
                </Link>
              </nav>
            ))}
        </div>
      </div>
    </header>
  );
}
