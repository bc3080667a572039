// Starts a real server in-process for a test: SQLite in a temp dir, random ports, quiet logs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import nodeDataChannel from 'node-datachannel';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server.js';

export function randomMediaPort(): number {
  return 41000 + Math.floor(Math.random() * 8000);
}

/** `flags` are the `serve` command's flags (e.g. 'hls-mode': 'always'); `overrides` replace whole fields. */
export async function startTestServer(overrides: Partial<Config> = {}, flags: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spaces-test-'));
  // One media worker (in-process) unless a test asks for more; multi-worker.test.ts does.
  const base = loadConfig({}, { port: '0', host: '127.0.0.1', 'data-dir': dataDir, 'media-workers': process.env.SPACES_MEDIA_WORKERS ?? '1', ...flags });
  const config: Config = {
    ...base,
    media: { ...base.media, udpPort: randomMediaPort(), bindAddress: '127.0.0.1' },
    ...overrides,
  };
  const server = await startServer(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }));
  return {
    ...server,
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
