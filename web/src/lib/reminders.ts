// "Remind me" for scheduled Spaces, per Space and kept across reloads: whoever keeps the page
// open is told (in the page, and by a browser notification if they allowed them) when it starts.
import { load, save } from './storage.js';

const KEY = 'spaces.reminders';
/** Ids kept at most: an old reminder is worth nothing once its Space is over. */
const MAX_KEPT = 50;

function ids(): string[] {
  try {
    const parsed: unknown = JSON.parse(load(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function hasReminder(spaceId: string): boolean {
  return ids().includes(spaceId);
}

export function setReminder(spaceId: string, on: boolean): void {
  const rest = ids().filter((id) => id !== spaceId);
  save(KEY, JSON.stringify(on ? [...rest, spaceId].slice(-MAX_KEPT) : rest));
}

/** A browser notification, when the person allowed them; the in-page notice is shown regardless. */
export function notifyBrowser(title: string, body: string, tag: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    new Notification(title, { body, tag });
  } catch {
    // Some browsers only allow notifications from a service worker: the in-page notice stands.
  }
}

/** Asks for notification permission once, when someone turns a reminder on. */
export function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Notification.requestPermission().catch(() => undefined);
}
