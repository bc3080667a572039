// Starts a real server in-process for a test: SQLite in a temp dir, random ports, quiet logs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import nodeDataChannel from 'node-datachannel';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export const GENEROUS_LIMITS = {
  signInPerMinute: 100_000,
  signUpsPerHour: 100_000,
  spacesPerHour: 100_000,
  liveSpacesPerAccount: 10_000,
  recordingsPerAccount: 10_000,
  socketsPerAddress: 100_000,
};

/** The same, as the environment of a server process. */
export const GENEROUS_LIMITS_ENV: Record<string, string> = {
  SPACES_SIGNIN_PER_MINUTE: '100000',
  SPACES_SIGNUPS_PER_HOUR: '100000',
  SPACES_SPACES_PER_HOUR: '100000',
  SPACES_LIVE_SPACES_PER_ACCOUNT: '10000',
  SPACES_RECORDINGS_PER_ACCOUNT: '10000',
  SPACES_SOCKETS_PER_ADDRESS: '100000',
};

export function randomMediaPort(): number {
  return 41000 + Math.floor(Math.random() * 8000);
}

/**
 * `flags` are the `serve` command's flags (e.g. 'hls-mode': 'always'); `overrides` replace whole
 * fields. With `log`, every line of the server's JSON log (its workers' too) is kept there, at debug level.
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  flags: Record<string, string> = {},
  opts: { log?: string[] } = {},
): Promise<RunningServer & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spaces-test-'));
  // One media worker (in-process) unless a test asks for more; multi-worker.test.ts does.
  const base = loadConfig({}, { port: '0', host: '127.0.0.1', 'data-dir': dataDir, 'media-workers': process.env.SPACES_MEDIA_WORKERS ?? '1', ...flags });
  const config: Config = {
    ...base,
    media: { ...base.media, udpPort: randomMediaPort(), bindAddress: '127.0.0.1' },
    // Tests make many accounts, Spaces and sockets from one address: the abuse limits have
    // their own tests, which set them low.
    limits: { ...base.limits, ...GENEROUS_LIMITS },
    ...overrides,
    // Recordings live under the data directory unless the test says otherwise, as for the server.
    recordingsDir: overrides.recordingsDir ?? join(overrides.dataDir ?? dataDir, 'recordings'),
  };
  const logger = opts.log
    ? pino({ level: 'debug' }, { write: (line: string) => void opts.log!.push(line) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const server = await startServer(config, logger);
  return {
    ...server,
    dataDir: config.dataDir,
    async close() {
      await server.close();
      // The test's own bots use node-datachannel in this process; its threads keep the
      // process alive until the library is cleaned up (the in-process media plane does it
      // on close, media workers do it in their own processes).
      try {
        nodeDataChannel.cleanup();
      } catch {
        // already cleaned up
      }
    },
  };
}
