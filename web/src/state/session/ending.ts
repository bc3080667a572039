// How a live session ends or is refused, in the phases the Space page shows: close codes the
// server uses, the join errors, and which speaking levels changed too little to redraw for.
import type { SessionPhase } from './types.js';

/** Close codes the server uses: a newer connection of the same person took over; removed. */
const REPLACED_CLOSE_CODE = 4000;
const REMOVED_CLOSE_CODE = 4001;
const ENDED_CLOSE_REASON = 'space ended';

/** Why a socket closed for good, when the close itself says so. */
export function terminalClose(ev: { code: number; reason: string }): SessionPhase | null {
  if (ev.code === REPLACED_CLOSE_CODE) return 'replaced';
  if (ev.code === REMOVED_CLOSE_CODE) return 'removed';
  if (ev.reason === ENDED_CLOSE_REASON) return 'ended';
  return null;
}

/** Speaking levels that changed too little to redraw for. */
export function sameSpeaking(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (Math.abs((b.get(k) ?? -1) - v) > 0.02) return false;
  return true;
}

/** The phase a refused join leads to. */
export function phaseForJoinError(code: string | null): SessionPhase {
  if (code === 'space_not_found') return 'notFound';
  if (code === 'space_ended') return 'ended';
  if (code === 'banned') return 'removed';
  if (code === 'space_not_live') return 'scheduled';
  return 'failed';
}
