// What the live Space page does on its own as the session changes: put a broadcast's host live
// with their camera, and let go of a pin on someone who left the stage. (What it tells people
// is in notices.ts.)
import { useEffect, useRef } from 'react';
import { takeGoLive } from '../../state/goLive.js';
import type { BrowserSessionMedia } from '../../state/session/browserMedia.js';
import { useSpaceConnection, useSpaceDetails, useSpaceMe, useSpaceMedia, usePinned, useSpaceStage } from '../../state/session/hooks.js';
import type { LiveSession } from '../../state/useSpaceSession.js';

/**
 * The host of a broadcast goes live with their camera on: at once when "Go live" just opened
 * it, and again after a reload while the server still shows their camera on. Once per page.
 */
export function useGoLive(session: LiveSession, media: BrowserSessionMedia, spaceId: string) {
  const tried = useRef(false);
  const { summary } = useSpaceDetails(session);
  const { you } = useSpaceMe(session);
  const { status } = useSpaceConnection(session);
  const { camera } = useSpaceMedia(media);
  const ready = summary?.kind === 'broadcast' && you?.role === 'host' && status === 'connected';
  useEffect(() => {
    if (!ready || tried.current) return;
    tried.current = true;
    const wanted = takeGoLive(spaceId) || you?.camera === true;
    if (wanted && camera === 'off') media.setCamera(true);
  }, [ready, spaceId, you?.camera, camera, media]);
}

/** A pinned person who left the stage can't be shown any more: follow the active speaker again. */
export function useDropStalePin(session: LiveSession) {
  const pinnedId = usePinned(session);
  const stage = useSpaceStage(session);
  const { joined } = useSpaceDetails(session);
  const gone = pinnedId !== null && joined && !stage.some((p) => p.userId === pinnedId);
  useEffect(() => {
    if (gone) void session.pin(null);
  }, [gone, session]);
}
