// Test helpers for the packet parsers: a seeded PRNG, so a fuzz failure reproduces, and a
// Buffer wrapper that records every read outside the buffer (a plain Buffer silently
// returns undefined there, which would hide an unbounded read).

/** mulberry32: small, fast, deterministic. Returns a function giving uint32s. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function randomBuffer(next: () => number, maxLength: number): Buffer {
  const len = next() % (maxLength + 1);
  const buf = Buffer.alloc(len);
  for (let i = 0; i < len; i++) buf[i] = next() & 0xff;
  return buf;
}

export interface Guarded {
  buf: Buffer;
  /** Every index read that lay outside 0..length-1. */
  outOfRange: string[];
}

/**
 * Wraps `buf` so that any indexed read outside it is recorded. Buffer's own readers
 * (readUInt16BE, readUInt32BE...) are plain JavaScript that index `this`, so they go
 * through the trap too.
 */
export function guarded(buf: Buffer): Guarded {
  const outOfRange: string[] = [];
  const proxy = new Proxy(buf, {
    get(target, prop) {
      if (typeof prop === 'string' && /^-?\d+$/.test(prop)) {
        const i = Number(prop);
        if (i < 0 || i >= target.length) outOfRange.push(prop);
        return target[i];
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return value;
    },
  });
  return { buf: proxy, outOfRange };
}
