// "Skip to content": the first focusable element of every page, hidden until focused, for
// keyboard users to pass the header.
import type { MouseEvent } from 'react';
import { focusMain } from '../lib/routeFocus.js';

export function SkipLink() {
  const skip = (e: MouseEvent<HTMLAnchorElement>) => {
    // Every page's <main> is #main; the script also focuses its heading, which reads better.
    if (focusMain()) e.preventDefault();
  };
  return (
    <a className="skip-link" href="#main" onClick={skip}>
      Skip to content
    </a>
  );
}
