// localStorage that never throws (private modes, disabled storage).
export function load(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function save(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage unavailable: the value lives for this page only.
  }
}

export const KEYS = {
  token: 'spaces.token',
  user: 'spaces.user',
  guestId: 'spaces.guestId',
  guestName: 'spaces.guestName',
  theme: 'spaces.theme',
} as const;
