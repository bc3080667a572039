// WHIP stream keys over REST: the host issues (or rotates: the same call) a key for themselves
// or for a speaker. There is no way to read a key back, so the last one issued in this browser
// is kept, to show it again without rotating it (rotating would cut off a running encoder's
// next reconnect).
import { ApiError, type ApiClient } from '../../../src/sdk/api.js';
import { load, save } from '../lib/storage.js';

export interface StreamKey {
  key: string;
  userId: string;
  /** Absolute URLs on this origin. */
  whipUrl: string;
  whepUrl: string;
}

const STORE = 'spaces.streamKeys';
const KEEP = 20;

type Stored = Record<string, { key: string; whipUrl: string; at: number }>;

function read(): Stored {
  try {
    const v = JSON.parse(load(STORE) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Stored) : {};
  } catch {
    return {};
  }
}

function absolute(path: string): string {
  return new URL(path, location.origin).href;
}

function whepUrlOf(spaceId: string): string {
  return absolute(`/whep/${encodeURIComponent(spaceId)}`);
}

/** The key this browser issued last for this person in this Space, if any. */
export function knownStreamKey(spaceId: string, userId: string): StreamKey | null {
  const k = read()[`${spaceId}:${userId}`];
  if (!k || typeof k.key !== 'string') return null;
  return { key: k.key, userId, whipUrl: absolute(k.whipUrl), whepUrl: whepUrlOf(spaceId) };
}

/** Issues a new key (any earlier one for that person stops working at once). */
export async function issueStreamKey(api: ApiClient, spaceId: string, userId?: string): Promise<StreamKey> {
  const res = await fetch(`${api.baseUrl}/api/spaces/${encodeURIComponent(spaceId)}/stream-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(api.token ? { authorization: `Bearer ${api.token}` } : {}) },
    body: JSON.stringify(userId ? { userId } : {}),
  });
  const text = await res.text();
  let data: Record<string, unknown> = {};
  try {
    data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  if (!res.ok) throw new ApiError(res.status, String(data.code ?? 'http_error'), String(data.message ?? res.statusText));
  const key = String(data.key ?? '');
  const who = String(data.userId ?? userId ?? '');
  const whipPath = String(data.whipUrl ?? `/whip/${encodeURIComponent(spaceId)}`);
  if (!key || !who) throw new Error('The server sent no stream key.');
  const stored = read();
  stored[`${spaceId}:${who}`] = { key, whipUrl: whipPath, at: Date.now() };
  const newest = Object.entries(stored)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, KEEP);
  save(STORE, JSON.stringify(Object.fromEntries(newest)));
  return { key, userId: who, whipUrl: absolute(whipPath), whepUrl: whepUrlOf(spaceId) };
}
