// "Go live" hands over to the Space page: the broadcast it just created should open with the
// host's camera on. Kept for this tab only (a reload of the page must not keep asking).
const KEY = 'spaces.goLive';

export function markGoLive(spaceId: string): void {
  try {
    sessionStorage.setItem(KEY, spaceId);
  } catch {
    // No storage: the host turns the camera on themselves.
  }
}

/** Whether "Go live" just opened this broadcast; asking forgets it. */
export function takeGoLive(spaceId: string): boolean {
  try {
    if (sessionStorage.getItem(KEY) !== spaceId) return false;
    sessionStorage.removeItem(KEY);
    return true;
  } catch {
    return false;
  }
}
