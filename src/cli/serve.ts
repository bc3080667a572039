// `spaces serve`: starts the server and prints the URL to open.
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';

export async function serve(flags: Record<string, string>): Promise<void> {
  const config = loadConfig(process.env, flags);
  const server = await startServer(config);
  const udp =
    config.mediaWorkers > 1
      ? `${server.mediaPort}-${server.mediaPort + config.mediaWorkers - 1} (${config.mediaWorkers} media workers)`
      : `${server.mediaPort}`;
  process.stdout.write(`\n  Spaces is running: open ${server.url}\n  (media on UDP ${udp}, data in ${config.dataDir})\n\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.log.info('shutting down');
    // In a cluster, this node's Spaces move to the other nodes first (a rolling restart ends none).
    await server.drain().catch((err: unknown) => server.log.error({ err }, 'drain failed'));
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
