// A Space's recording once it is finished: finishing follows the end of the Space by a moment
// (the encoder writes its last segments first).
import type { ApiClient } from '../../src/sdk/api.js';
import type { RecordingView } from '../../src/protocol/messages.js';

export async function finishedRecording(api: ApiClient, spaceId: string, timeoutMs = 10_000): Promise<RecordingView | null> {
  const end = Date.now() + timeoutMs;
  let rec = await api.getRecording(spaceId).catch(() => null);
  while (rec?.state !== 'ready' && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    rec = await api.getRecording(spaceId).catch(() => null);
  }
  return rec;
}
