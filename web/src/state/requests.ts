// Requests to the server from the Space page: refused up front while offline (they would only
// time out), and any error turned into a sentence for a toast.
import type { SignallingClient } from '../../../src/sdk/signalling.js';
import { errorText } from '../lib/errors.js';

const OFFLINE = "You're offline right now. Try again in a moment.";

/** Sends one request; resolves true when the server accepted it, false after telling onError why not. */
export async function sendRequest(
  client: SignallingClient,
  send: (client: SignallingClient) => Promise<void>,
  onError: (text: string) => void,
): Promise<boolean> {
  if (client.status !== 'connected') {
    onError(OFFLINE);
    return false;
  }
  try {
    await send(client);
    return true;
  } catch (err) {
    onError(errorText(err));
    return false;
  }
}
