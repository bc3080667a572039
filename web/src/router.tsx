// A tiny router on the History API: `/`, `/s/:spaceId` and `/signin`.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export type Route = { name: 'home' } | { name: 'space'; spaceId: string } | { name: 'signin' } | { name: 'notFound' };

const listeners = new Set<() => void>();

function notify(): void {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): string {
  return location.pathname + location.search;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

export function useLocation(): { pathname: string; search: URLSearchParams } {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, 'http://x');
  return { pathname: url.pathname, search: url.searchParams };
}

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/signin') return { name: 'signin' };
  const m = /^\/s\/([^/]+)$/.exec(path);
  if (m?.[1]) return { name: 'space', spaceId: decodeURIComponent(m[1]) };
  return { name: 'notFound' };
}

export function spacePath(spaceId: string): string {
  return `/s/${encodeURIComponent(spaceId)}`;
}

export function signInPath(next?: string, mode?: 'signup'): string {
  const params = new URLSearchParams();
  if (mode) params.set('mode', mode);
  if (next && next !== '/') params.set('next', next);
  const q = params.toString();
  return q ? `/signin?${q}` : '/signin';
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An <a> that navigates in-app on a plain left click and behaves like a link otherwise. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
