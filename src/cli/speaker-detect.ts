// `spaces speaker-detect TRACE.json`: runs the server's dominant-speaker detector (the same
// code, through the same per-frame replay) over a recorded level trace and prints the
// decisions as a JSON array, one element per change of speaker:
//   [{"atMs": 0, "speaker": "a"}, {"atMs": 5400, "speaker": "b"}, ...]
// Options: --detector ours|reference (default ours), --decide-every MS (default 50).
// A missing, unreadable or invalid trace is reported on stderr with exit code 2.
// The detectors use levels only: an "audio" key in the trace is ignored like any other.
import { readFile } from 'node:fs/promises';
import { DETECTOR_KINDS, createDetector, type DetectorKind } from '../media/speaker/detector.js';
import { TraceError, parseTrace, runTrace } from '../media/speaker/trace.js';

const USAGE = 'usage: spaces speaker-detect TRACE.json [--detector ours|reference] [--decide-every MS]\n';

export async function speakerDetect(args: { positional: string[]; flags: Record<string, string> }): Promise<void> {
  const fail = (message: string): void => {
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = 2;
  };
  const path = args.positional[0];
  if (path === undefined || args.positional.length > 1) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const kind = (args.flags.detector ?? 'ours') as DetectorKind;
  if (!DETECTOR_KINDS.includes(kind)) return fail(`--detector must be one of ${DETECTOR_KINDS.join(', ')}, not "${kind}"`);
  const every = Number(args.flags['decide-every'] ?? 50);
  if (!Number.isFinite(every) || every < 1 || every > 1000) return fail('--decide-every must be a number of milliseconds from 1 to 1000');

  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return fail(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(`${path}: not JSON: ${(err as Error).message.replace(/\s+/g, ' ')}`);
  }
  let decisions;
  try {
    const trace = parseTrace(json);
    decisions = runTrace(createDetector(kind), trace, every);
  } catch (err) {
    if (err instanceof TraceError) return fail(`${path}: ${err.message}`);
    throw err;
  }
  process.stdout.write(`${JSON.stringify(decisions)}\n`);
}
