// Focus after a client-side route change, and the skip link's target. A full page load puts a
// screen reader at the top of the new page; a pushState does not, so without this focus stays on
// the link that was clicked (now gone: the body) and nothing is announced.
import { useEffect, useRef } from 'react';

/** The page's main heading, else its <main>: where "Skip to content" and a route change lead. */
function mainTarget(): HTMLElement | null {
  return document.querySelector<HTMLElement>('main h1') ?? document.querySelector<HTMLElement>('main');
}

/** Focuses the page's main heading (or <main>) without scrolling; false when the page has none yet. */
export function focusMain(): boolean {
  const target = mainTarget();
  if (!target) return false;
  // Headings and <main> are not focusable by default: -1 makes them focusable by script only.
  if (!target.hasAttribute('tabindex')) target.tabIndex = -1;
  target.focus({ preventScroll: true });
  return document.activeElement === target;
}

/**
 * After each change of `pathname` (not the first render: a fresh load starts at the top), moves
 * focus to the new page's main heading. A page may show a placeholder first (a Space's
 * "connecting" skeleton) and swap its <main> a moment later, which drops focus to the body:
 * until the person does something (a key or a pointer press), focus that falls to the body
 * is put on the new main heading again.
 */
export function useFocusOnRouteChange(pathname: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const root = document.getElementById('root') ?? document.body;
    let settled = false;
    const refocus = () => {
      if (settled) return;
      const active = document.activeElement;
      if (active === null || active === document.body || !active.isConnected) focusMain();
    };
    focusMain();
    const observer = new MutationObserver(refocus);
    observer.observe(root, { childList: true, subtree: true });
    const stop = () => {
      settled = true;
      observer.disconnect();
    };
    window.addEventListener('keydown', stop, { capture: true, once: true });
    window.addEventListener('pointerdown', stop, { capture: true, once: true });
    return () => {
      stop();
      window.removeEventListener('keydown', stop, { capture: true });
      window.removeEventListener('pointerdown', stop, { capture: true });
    };
  }, [pathname]);
}
