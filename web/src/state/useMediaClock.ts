// Where a media element is (time, duration, paused), for a player's own controls, and a seek
// that also works before the element has loaded (it waits for the metadata).
import { useCallback, useEffect, useState, type RefObject } from 'react';

export interface MediaClock {
  time: number;
  duration: number;
  paused: boolean;
  /** Seeks to `sec` and, unless `play` is false (scrubbing), plays from there. */
  seek(sec: number, play?: boolean): void;
  toggle(): void;
}

export function useMediaClock(media: RefObject<HTMLMediaElement | null>, knownDuration: number): MediaClock {
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(knownDuration);
  const [paused, setPaused] = useState(true);

  useEffect(() => {
    const el = media.current;
    if (!el) return;
    const onTime = () => setTime(el.currentTime);
    const onDuration = () => {
      if (Number.isFinite(el.duration) && el.duration > 0) setDuration(el.duration);
    };
    const onPlay = () => setPaused(false);
    const onPause = () => setPaused(true);
    const events: Array<[string, () => void]> = [
      ['timeupdate', onTime],
      ['seeking', onTime],
      ['durationchange', onDuration],
      ['loadedmetadata', onDuration],
      ['play', onPlay],
      ['pause', onPause],
      ['ended', onPause],
    ];
    for (const [type, fn] of events) el.addEventListener(type, fn);
    // timeupdate comes about 4 times a second; the current turn and the scrubber want smoother.
    let frame = 0;
    const tick = () => {
      // Tenths of a second are plenty, and let React skip the frames in between.
      if (!el.paused) setTime(Math.floor(el.currentTime * 10) / 10);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => {
      for (const [type, fn] of events) el.removeEventListener(type, fn);
      cancelAnimationFrame(frame);
    };
  }, [media]);

  const seek = useCallback(
    (sec: number, play = true) => {
      const el = media.current;
      if (!el) return;
      const go = () => {
        el.currentTime = sec;
        setTime(sec);
        if (play) el.play().catch(() => undefined);
      };
      // Before the metadata, a new currentTime would be dropped.
      if (el.readyState >= HTMLMediaElement.HAVE_METADATA) go();
      else el.addEventListener('loadedmetadata', go, { once: true });
    },
    [media],
  );

  const toggle = useCallback(() => {
    const el = media.current;
    if (!el) return;
    if (el.paused) el.play().catch(() => undefined);
    else el.pause();
  }, [media]);

  return { time, duration, paused, seek, toggle };
}
