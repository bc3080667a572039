// Telling people what happened, as it happens: what the hosts did to you (brought you on stage,
// muted you, moved you to the audience, made you co-host, handed you the Space), and, to hosts
// and co-hosts, that someone asks to speak. The toasts are an aria-live region, so screen
// readers hear these too.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { isOnStage } from '../../lib/menus.js';
import { useSpaceAudience, useSpaceDetails, useSpaceMe } from '../../state/session/hooks.js';
import { useToast } from '../../state/toasts.js';
import type { LiveSession } from '../../state/useSpaceSession.js';

/** What you are about to do yourself, so that its effect is not announced as a host's doing. */
export interface OwnMoves {
  /** You are muting yourself (true) or gave up on it (false: the request failed). */
  muting(on: boolean): void;
  /** You are leaving the stage yourself, or gave up on it. */
  leavingStage(on: boolean): void;
}

export interface RoleNotices {
  own: OwnMoves;
  /** You came on stage muted and have not unmuted yet: show the prompt to unmute. */
  arrivedMuted: boolean;
  dismissArrival(): void;
}

/** Tells you when the server moved you: onto the stage, back to the audience, muted by a host, and the like. */
export function useRoleNotices(session: LiveSession): RoleNotices {
  const toast = useToast();
  const { you } = useSpaceMe(session);
  const prev = useRef(you);
  const ownMute = useRef(false);
  const ownLeave = useRef(false);
  const [arrivedMuted, setArrivedMuted] = useState(false);

  useEffect(() => {
    const before = prev.current;
    prev.current = you;
    if (!you || !isOnStage(you.role) || !you.muted) setArrivedMuted(false);
    if (!before || !you) return;
    const wasOn = isOnStage(before.role);
    const isOn = isOnStage(you.role);
    if (!wasOn && isOn) {
      // Everyone but the host of a new Space comes on stage muted; the prompt says so and offers Unmute.
      if (you.muted) setArrivedMuted(true);
      if (you.role === 'cohost') toast("A host made you a co-host. You're on stage.", 'success');
      else if (!you.muted) toast("You're on stage.", 'success');
    } else if (wasOn && !isOn) {
      if (ownLeave.current) toast("You left the stage. You're in the audience.");
      else toast('A host moved you to the audience.');
      ownLeave.current = false;
    } else if (before.role !== 'host' && you.role === 'host') {
      toast("The host left. You're the host now.", 'success');
    } else if (before.role !== you.role && you.role === 'cohost') {
      toast('A host made you a co-host.', 'success');
    } else if (before.role === 'cohost' && you.role === 'speaker') {
      toast("You're no longer a co-host.");
    }
    if (wasOn && isOn && !before.muted && you.muted) {
      if (!ownMute.current) toast("A host muted you. Unmute when you're ready to talk.");
      ownMute.current = false;
    }
  }, [you, toast]);

  const own = useMemo<OwnMoves>(
    () => ({
      muting: (on) => void (ownMute.current = on),
      leavingStage: (on) => void (ownLeave.current = on),
    }),
    [],
  );
  const dismissArrival = useCallback(() => setArrivedMuted(false), []);
  return { own, arrivedMuted, dismissArrival };
}

/**
 * A request to speak must not go unseen: hosts and co-hosts get a toast for each new one, and
 * the tab's title counts those waiting ("(2) Title · Spaces"), so a host in another tab sees it.
 */
export function useRequestAlerts(session: LiveSession): number {
  const toast = useToast();
  const { summary } = useSpaceDetails(session);
  const { moderator } = useSpaceMe(session);
  const { requests } = useSpaceAudience(session);
  const seen = useRef<Set<string> | null>(null);
  const count = moderator ? requests.length : 0;
  const title = summary?.title;

  useEffect(() => {
    if (!summary) return;
    const ids = new Set(requests.map((p) => p.userId));
    const before = seen.current;
    seen.current = ids;
    // The requests already waiting when you arrive are in the panel and the title, not toasts.
    if (!before || !moderator) return;
    const fresh = requests.filter((p) => !before.has(p.userId));
    if (fresh.length === 1) toast(`${fresh[0]!.handle} asked to speak`);
    else if (fresh.length > 1) toast(`${fresh.length} people asked to speak`);
  }, [summary, requests, moderator, toast]);

  useEffect(() => {
    const base = title ? `${title} · Spaces` : 'Spaces';
    document.title = count > 0 ? `(${count}) ${base}` : base;
    return () => {
      document.title = base;
    };
  }, [title, count]);
  return count;
}
