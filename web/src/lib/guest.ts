// A guest listener keeps one random secret across reloads, so the server recognises them. It
// is the guest's credential: the server shows others only an id derived from it.
import { KEYS, load, save } from './storage.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const GUEST_ID = /^[A-Za-z0-9_-]{21}$/;

function randomId(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}

let memo: string | null = null;

export function getGuestId(): string {
  if (memo) return memo;
  const stored = load(KEYS.guestId);
  if (stored && GUEST_ID.test(stored)) {
    memo = stored;
  } else {
    memo = randomId(21);
    save(KEYS.guestId, memo);
  }
  return memo;
}

/** The display name this guest chose (the server validated it when it took it). */
export function getGuestName(): string | undefined {
  return load(KEYS.guestName) ?? undefined;
}

/** Kept once the server took it, so that every later join (a reload, another Space) brings it. */
export function saveGuestName(name: string): void {
  save(KEYS.guestName, name);
}
