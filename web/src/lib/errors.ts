// Human messages for errors from the REST API and the signalling server.
import { ApiError } from '../../../src/sdk/api.js';
import { SignallingError } from '../../../src/sdk/signalling.js';

const MESSAGES: Record<string, string> = {
  handle_taken: 'That handle is taken. Try another one.',
  bad_credentials: 'Wrong handle or password.',
  unauthenticated: 'Please sign in again.',
  not_permitted: "You can't do that here.",
  not_found: 'That person is no longer in this Space.',
  stage_full: 'The stage is full.',
  cohost_limit: 'A Space can have at most 2 co-hosts.',
  rate_limited: 'Slow down a little and try again.',
  space_not_found: "This Space doesn't exist.",
  space_not_live: "This Space hasn't started yet.",
  space_ended: 'This Space has ended.',
  banned: 'You were removed from this Space.',
  timeout: "The server didn't answer. Try again.",
  closed: "You're not connected right now.",
  invalid_state: "That can't be done right now.",
};

export function errorText(err: unknown): string {
  if (err instanceof SignallingError || err instanceof ApiError) {
    const known = MESSAGES[err.code];
    if (known) return known;
    if (err.message) return err.message;
  }
  if (err instanceof TypeError) return "Can't reach the server. Check your connection.";
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

export function errorCode(err: unknown): string | null {
  if (err instanceof SignallingError || err instanceof ApiError) return err.code;
  return null;
}
