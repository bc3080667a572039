// The in-page reminder of a scheduled Space: the "Remind me" switch on its page, and the notice
// (with a browser notification, if allowed) when it starts while the page is open: when the
// host starts it (the page then switches to the live Space), or at the start time if it has not.
import { useEffect, useRef, useState } from 'react';
import { askNotificationPermission, hasReminder, notifyBrowser, setReminder } from '../lib/reminders.js';
import type { SessionPhase } from '../state/session/types.js';
import { BellIcon } from './Icons.js';

/** Longest timer a browser keeps (about 24.8 days); a start further away is not armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function RemindMeToggle({ spaceId }: { spaceId: string }) {
  const [on, setOn] = useState(() => hasReminder(spaceId));
  const toggle = () => {
    setReminder(spaceId, !on);
    if (!on) askNotificationPermission();
    setOn(!on);
  };
  return (
    <button type="button" className={`button button-secondary record-switch${on ? ' is-on' : ''}`} aria-pressed={on} onClick={toggle}>
      <BellIcon size={16} />
      Remind me
      <span className="switch-state" aria-hidden="true">
        {on ? 'On' : 'Off'}
      </span>
    </button>
  );
}

interface Props {
  spaceId: string;
  phase: SessionPhase;
  title: string | null;
  scheduledFor: string | null;
}

export function StartReminder({ spaceId, phase, title, scheduledFor }: Props) {
  const [notice, setNotice] = useState<string | null>(null);
  // Only a Space this page saw scheduled can "start"; each page reminds once of each: the start
  // time, and the start itself.
  const sawScheduled = useRef(false);
  const fired = useRef(new Set<'due' | 'live'>());

  useEffect(() => {
    const remind = (kind: 'due' | 'live', text: string) => {
      if (fired.current.has(kind) || !hasReminder(spaceId)) return;
      fired.current.add(kind);
      setNotice(text);
      notifyBrowser(title ?? 'A Space', text, `space-${spaceId}`);
    };
    const name = title ? `“${title}”` : 'The Space';
    if (phase === 'scheduled') {
      sawScheduled.current = true;
      const at = scheduledFor ? Date.parse(scheduledFor) - Date.now() : NaN;
      if (!(at < MAX_TIMER_MS)) return;
      const timer = setTimeout(() => remind('due', `${name} is due to start now. You'll join as soon as the host starts it.`), Math.max(0, at));
      return () => clearTimeout(timer);
    }
    if (phase === 'live' && sawScheduled.current) remind('live', `${name} is live now. You've joined it.`);
    return undefined;
  }, [spaceId, phase, title, scheduledFor]);

  if (!notice) return null;
  return (
    <div className="start-reminder" role="status">
      <BellIcon size={16} />
      <span>{notice}</span>
      <button type="button" className="button button-secondary button-tiny" onClick={() => setNotice(null)}>
        Dismiss
      </button>
    </div>
  );
}
