// Removing a directory of segments that ffmpeg may still be writing into: after a codec
// worker dies, its orphaned ffmpeg can finish a last segment while we delete the run, and
// `rm -r` then fails with ENOTEMPTY. fs.rm retries that (and EBUSY) with a growing delay.
import { rm } from 'node:fs/promises';

export function removeTree(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
