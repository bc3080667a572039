// A Space's summary over REST, for the pages that have no live session (scheduled Spaces).
import { ApiError, type ApiClient, type SpaceListItem } from '../../../src/sdk/api.js';

export async function fetchSpace(api: ApiClient, id: string): Promise<SpaceListItem | null> {
  try {
    return await api.getSpace(id);
  } catch (err) {
    // GET /api/spaces/:id may not exist; the public list has the same items.
    if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
  }
  const list = await api.listSpaces();
  return [...list.live, ...list.scheduled].find((s) => s.id === id) ?? null;
}
