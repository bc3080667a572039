// The live session of one Space for the Space page: a SpaceSessionController with the
// browser's media, made for the Space and the signed-in account, connected while the page
// shows it. The page reads it slice by slice (./session/hooks.ts).
import { useEffect, useMemo, useRef } from 'react';
import type { ApiClient } from '../../../src/sdk/api.js';
import type { WebSocketLike } from '../../../src/sdk/signalling.js';
import { getGuestId, getGuestName } from '../lib/guest.js';
import { BrowserSessionMedia } from './session/browserMedia.js';
import { SpaceSessionController } from './session/controller.js';
import type { NoticeKind } from './session/types.js';
import { fetchSpace } from './spaceInfo.js';

export type LiveSession = SpaceSessionController<BrowserSessionMedia>;

interface Options {
  spaceId: string;
  token: string | null;
  api: ApiClient;
  notify(text: string, kind?: NoticeKind): void;
}

export function useSpaceSession({ spaceId, token, api, notify }: Options): LiveSession {
  const notifyRef = useRef(notify);
  notifyRef.current = notify;
  const session = useMemo(
    () =>
      new SpaceSessionController({
        spaceId,
        url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
        identity: token ? { token } : guestIdentity(),
        createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
        fetchSpace: (id) => fetchSpace(api, id),
        notify: (text, kind) => notifyRef.current(text, kind),
        media: (host) => new BrowserSessionMedia(host),
      }),
    [spaceId, token, api],
  );
  useEffect(() => {
    session.start();
    return () => session.stop();
  }, [session]);
  return session;
}

/** A guest joins with their secret and, once they chose one, their display name. */
function guestIdentity(): { guestSecret: string; guestName?: string } {
  const name = getGuestName();
  return { guestSecret: getGuestId(), ...(name ? { guestName: name } : {}) };
}
