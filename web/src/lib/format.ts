import type { Role } from '../../../src/protocol/messages.js';

export function roleLabel(role: Role): string {
  switch (role) {
    case 'host':
      return 'Host';
    case 'cohost':
      return 'Co-host';
    case 'speaker':
      return 'Speaker';
    default:
      return 'Listener';
  }
}

export function listeningText(count: number): string {
  return `${count} listening`;
}

/** A broadcast's audience. */
export function watchingText(count: number): string {
  return `${count} watching`;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/** "5:42 PM": when a comment was posted. */
export function formatClockTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : clockFormat.format(d);
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "Today at 5:30 PM", "Tomorrow at 9:00 AM", "Thu, Dec 4 at 6:00 PM". */
export function formatStart(iso: string | null, now = new Date()): string {
  if (!iso) return 'Not scheduled';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'Not scheduled';
  const tomorrow = new Date(now);
  tomorrow.setDate(now.getDate() + 1);
  const day = sameDay(d, now) ? 'Today' : sameDay(d, tomorrow) ? 'Tomorrow' : dayFormat.format(d);
  return `${day} at ${timeFormat.format(d)}`;
}

/** Value for <input type="datetime-local"> in local time. */
export function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
