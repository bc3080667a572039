// Binds an HlsPlayer to a <video> for as long as a component shows it (and the URL stays).
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { HlsPlayer, type HlsStatus } from './hlsPlayer.js';

export interface HlsHandle {
  status: HlsStatus;
  /** Starts playback again after the browser blocked it (call from a click). */
  resume(): void;
  /** The player, for latency readings; null while none is attached. */
  player: RefObject<HlsPlayer | null>;
}

export function useHls(video: RefObject<HTMLVideoElement | null>, url: string | null, live: boolean, autoplay = live, audioOnly = false): HlsHandle {
  const [status, setStatus] = useState<HlsStatus>('loading');
  const player = useRef<HlsPlayer | null>(null);
  useEffect(() => {
    const el = video.current;
    if (!el || !url) return;
    setStatus('loading');
    const p = new HlsPlayer(el, url, { live, autoplay, audioOnly, onStatus: setStatus });
    player.current = p;
    p.start();
    return () => {
      p.destroy();
      if (player.current === p) player.current = null;
    };
  }, [video, url, live, autoplay, audioOnly]);
  const resume = useCallback(() => player.current?.resume(), []);
  return { status, resume, player };
}
