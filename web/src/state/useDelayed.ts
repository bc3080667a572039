// Values and events shown `delayMs` after they happened. On the HLS tier the sound runs seconds
// behind the signalling, so who-is-talking (rings, the active speaker) and reactions are
// delayed to match what is heard.
import { useCallback, useEffect, useRef, useState } from 'react';

export function useDelayed<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  const timers = useRef(new Set<number>());
  const seq = useRef(0);
  const applied = useRef(0);

  useEffect(() => {
    const n = ++seq.current;
    if (delayMs <= 0) {
      for (const id of timers.current) window.clearTimeout(id);
      timers.current.clear();
      applied.current = n;
      setShown(value);
      return;
    }
    // Every change gets its own timer (a new value must not cancel the previous one, or a
    // value that changes more often than the delay would never show); a change never
    // overwrites a later one if the delay shrank in between.
    const id = window.setTimeout(() => {
      timers.current.delete(id);
      if (n < applied.current) return;
      applied.current = n;
      setShown(value);
    }, delayMs);
    timers.current.add(id);
  }, [value, delayMs]);

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const id of pending) window.clearTimeout(id);
    };
  }, []);

  // Without a delay, the value itself (not one render late).
  return delayMs <= 0 ? value : shown;
}

/**
 * An event subscription whose events reach the listener `delayMs` late (reactions on HLS:
 * they float up when the moment they react to is heard). Pending events are dropped when
 * the listener unsubscribes.
 */
export function useDelayedEvents<T>(subscribe: (listener: (event: T) => void) => () => void, delayMs: number): (listener: (event: T) => void) => () => void {
  const delay = useRef(delayMs);
  delay.current = delayMs;
  return useCallback(
    (listener: (event: T) => void) => {
      const timers = new Set<number>();
      const off = subscribe((event) => {
        if (delay.current <= 0) return listener(event);
        const id = window.setTimeout(() => {
          timers.delete(id);
          listener(event);
        }, delay.current);
        timers.add(id);
      });
      return () => {
        off();
        for (const id of timers) window.clearTimeout(id);
      };
    },
    [subscribe],
  );
}
