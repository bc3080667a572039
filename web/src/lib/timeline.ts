// The speaker timeline of a replay: who held the floor when, and where "next" goes.
import type { SpeakerTurn } from '../state/recordings.js';

/** Seeking lands a hair after a turn's start; "next" must not find the turn we just jumped to. */
const EPSILON = 0.25;

export interface TimelineSpeaker {
  userId: string;
  handle: string;
  turns: number;
  /** Seconds on the floor, all turns together. */
  seconds: number;
}

/** "@ana", whether or not the server's handle has the @ already. */
export function atHandle(handle: string): string {
  return handle.startsWith('@') ? handle : `@${handle}`;
}

/** 0:07, 12:31, 1:02:09. */
export function formatClock(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Index of the turn playing at `t` (-1 between turns). */
export function turnAt(turns: readonly SpeakerTurn[], t: number): number {
  return turns.findIndex((x) => t >= x.startSec && t < x.endSec);
}

/** Index of the turn playing at `t`, or else the last one that started before it (-1: none yet). */
function latestTurn(turns: readonly SpeakerTurn[], t: number): number {
  let found = -1;
  for (let i = 0; i < turns.length && turns[i]!.startSec <= t + EPSILON; i++) found = i;
  return found;
}

/**
 * "Skip to next speaker": the next turn (after `t`) of anyone other than whoever has, or last
 * had, the floor at `t`. Null at the end.
 */
export function nextSpeakerTurn(turns: readonly SpeakerTurn[], t: number): SpeakerTurn | null {
  const current = turns[latestTurn(turns, t)]?.userId;
  return turns.find((x) => x.startSec > t + EPSILON && x.userId !== current) ?? null;
}

/** "Jump to @handle": that speaker's next turn after `t`, or their first one again from the end. */
export function nextTurnOf(turns: readonly SpeakerTurn[], userId: string, t: number): SpeakerTurn | null {
  const theirs = turns.filter((x) => x.userId === userId);
  return theirs.find((x) => x.startSec > t + EPSILON) ?? theirs[0] ?? null;
}

/** Everyone who spoke, in order of first appearance. */
export function speakersOf(turns: readonly SpeakerTurn[]): TimelineSpeaker[] {
  const byId = new Map<string, TimelineSpeaker>();
  for (const x of turns) {
    const s = byId.get(x.userId) ?? { userId: x.userId, handle: x.handle, turns: 0, seconds: 0 };
    s.turns++;
    s.seconds += x.endSec - x.startSec;
    byId.set(x.userId, s);
  }
  return [...byId.values()];
}
