// Runs a Space's commands one after another. A command that changes what is stored holds the
// Space until its write has returned (or it has been undone), so no other command ever sees,
// builds on, or is undone along with a change that was not stored.

export class CommandQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  /** Runs `work` after every command queued before it; the promise carries its outcome. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    this.depth++;
    const next = this.tail.then(work).finally(() => this.depth--);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Commands queued or running. */
  get length(): number {
    return this.depth;
  }
}
