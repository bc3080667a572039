// Waiting for a condition in a test: polling with a hang bound, never a timing assertion. Kept
// apart from the WebRTC helpers so that unit tests can use it without loading native code.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls an async probe (a page, a server) until it gives a value, or fails after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string, pollMs = 50): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
