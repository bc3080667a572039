// A whole-page state: "This Space has ended", "You were removed from this Space", not found.
import type { ReactNode } from 'react';
import { Link } from '../router.js';

interface Props {
  title: string;
  /** Under the title, before the body: e.g. what the Space was, who hosted it and when. */
  details?: ReactNode;
  body?: ReactNode;
  icon?: ReactNode;
  action?: ReactNode;
}

export function FullPageMessage({ title, details, body, icon, action }: Props) {
  return (
    <main id="main" className="full-page-message">
      <div className="full-page-card">
        {icon && (
          <div className="full-page-icon" aria-hidden="true">
            {icon}
          </div>
        )}
        <h1>{title}</h1>
        {details}
        {body && <p className="muted">{body}</p>}
        <div className="full-page-actions">
          {action}
          <Link to="/" className="button button-secondary">
            Browse Spaces
          </Link>
        </div>
      </div>
    </main>
  );
}
