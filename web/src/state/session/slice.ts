// One part of the live session's state that React reads through useSyncExternalStore: a value
// with stable identity (set() with the same value notifies nobody) and its own listeners, so a
// component that reads the stage is not re-rendered when a comment arrives. Plain TypeScript:
// the session controller and its tests use it under node.

export class Slice<T> {
  private value: T;
  private readonly listeners = new Set<() => void>();

  constructor(initial: T) {
    this.value = initial;
  }

  /** The current value; the same object until it changes (useSyncExternalStore's contract). */
  readonly getSnapshot = (): T => this.value;

  /** Calls `listener` after every change; returns the unsubscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(next: T): void {
    if (Object.is(next, this.value)) return;
    this.value = next;
    for (const listener of [...this.listeners]) listener();
  }

  update(change: (value: T) => T): void {
    this.set(change(this.value));
  }
}
