// "Record Space" and replays over REST: a Space's recording (null when there is none), with
// its speaker timeline and its comments (each at its moment in the recording) tidied for display.
import type { RecordingView } from '../../../src/protocol/messages.js';
import { ApiError, type ApiClient } from '../../../src/sdk/api.js';

export type Recording = RecordingView;
/** One turn of the active speaker, in seconds from the start of the recording. */
export type SpeakerTurn = RecordingView['timeline'][number];
/** A comment posted while the recording ran, `atSec` into it. */
export type ReplayComment = RecordingView['comments'][number];

/** The Space's recording, or null when it was not recorded (or the recording expired). */
export async function fetchRecording(api: ApiClient, spaceId: string): Promise<Recording | null> {
  try {
    return normalise(await api.getRecording(spaceId));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** Turns in time order, with sane bounds, whatever the server sent. */
function normalise(r: Recording): Recording {
  const timeline = (Array.isArray(r.timeline) ? r.timeline : [])
    .filter((t) => Number.isFinite(t.startSec) && Number.isFinite(t.endSec) && t.endSec > t.startSec)
    // Handles as the rest of the app has them (no "@"), so avatars get the same colours as live.
    .map((t) => ({ ...t, handle: t.handle.replace(/^@/, '') }))
    .sort((a, b) => a.startSec - b.startSec);
  // A server without comments on its recordings sends none: an empty list.
  const comments = (Array.isArray(r.comments) ? r.comments : [])
    .filter((c) => Number.isFinite(c.atSec) && typeof c.text === 'string')
    .map((c) => ({ ...c, atSec: Math.max(0, c.atSec), handle: c.handle.replace(/^@/, '') }))
    .sort((a, b) => a.atSec - b.atSec);
  return { ...r, hasVideo: r.hasVideo === true, timeline, comments };
}
