// Shared pieces of the fuzz suites (fast-check): how many runs each property gets, and the
// generators that turn well-formed seeds into near-misses. FUZZ_RUNS scales every suite
// (CI keeps it to about a minute in all; a longer local run: FUZZ_RUNS=200000).
import fc from 'fast-check';

export const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);

/** The only errors a parser may throw: anything else escaping is a crash of its process. */
export function onlyThese(...allowed: Array<new (...args: never[]) => Error>): (err: unknown) => void {
  return (err) => {
    if (!allowed.some((E) => err instanceof E)) throw err;
  };
}

/** Runs `fn`, letting through only the allowed errors. */
export function survives(fn: () => unknown, ...allowed: Array<new (...args: never[]) => Error>): void {
  try {
    fn();
  } catch (err) {
    onlyThese(...allowed)(err);
  }
}

/** Line-level edits of a text: drop, duplicate, swap or garble lines, truncate. */
export function mutatedLines(seed: string, separator = '\r\n'): fc.Arbitrary<string> {
  const lines = seed.split(separator);
  const garbage = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'a=',
      'm=',
      'm=audio 0 UDP/TLS/RTP/SAVPF',
      'a=mid:',
      'a=rtpmap:',
      'a=fmtp:',
      'a=ssrc:',
      'a=extmap:',
      'a=candidate:',
      '#EXTINF:',
      '#EXT-X-MAP:URI="',
      '#EXT-X-MEDIA-SEQUENCE:-1',
      'NaN',
      '\u0000',
      '💥',
    ),
  );
  const edit = fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('dup' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
    fc.record({ op: fc.constant('replace' as const), at: fc.nat(), text: garbage }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: garbage }),
    fc.record({ op: fc.constant('chop' as const), at: fc.nat(), keep: fc.nat() }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    const out = [...lines];
    for (const e of edits) {
      const i = out.length === 0 ? 0 : e.at % out.length;
      if (e.op === 'drop') out.splice(i, 1);
      else if (e.op === 'dup') out.splice(i, 0, out[i] ?? '');
      else if (e.op === 'swap') {
        const j = out.length === 0 ? 0 : e.to % out.length;
        [out[i], out[j]] = [out[j] ?? '', out[i] ?? ''];
      } else if (e.op === 'replace') out[i] = e.text;
      else if (e.op === 'insert') out.splice(i, 0, e.text);
      else out[i] = (out[i] ?? '').slice(0, e.keep % ((out[i] ?? '').length + 1));
    }
    return out.join(separator);
  });
}

/** Byte-level edits of a packet: flip, set, truncate, extend. */
export function mutatedBytes(seed: Buffer): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('grow' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let out = Buffer.from(seed);
    for (const e of edits) {
      if (e.op === 'cut') out = out.subarray(0, out.length === 0 ? 0 : e.at % (out.length + 1));
      else if (e.op === 'grow') out = Buffer.concat([out, Buffer.from(e.bytes)]);
      else if (out.length > 0) {
        const i = e.at % out.length;
        out[i] = e.op === 'set' ? e.value : out[i]! ^ (1 << e.bit);
      }
    }
    return Buffer.from(out);
  });
}

/** Random bytes, or a mutation of one of the seeds. */
export function packets(...seeds: Buffer[]): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
    ...seeds.map((s) => mutatedBytes(s)),
  );
}
