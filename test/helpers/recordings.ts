// A Space's recording once it is finished: finishing follows the end of the Space by a moment
// (the encoder writes its last segments first), which a busy machine stretches. The wait is for
// the recording to leave the 'recording' state; the time limit only bounds a hang.
import type { ApiClient } from '../../src/sdk/api.js';
import type { RecordingView } from '../../src/protocol/messages.js';

export async function finishedRecording(api: ApiClient, spaceId: string, hangLimitMs = 60_000): Promise<RecordingView | null> {
  const end = Date.now() + hangLimitMs;
  let rec = await api.getRecording(spaceId).catch(() => null);
  while ((!rec || rec.state === 'recording') && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    rec = await api.getRecording(spaceId).catch(() => null);
  }
  return rec;
}
