// A cluster on this machine for a test: its own Redis server (Debian's redis-server, on a free
// port, so that a test may stop and start it), its own PostgreSQL database, shared recording
// storage (a directory every node mounts, as NFS would be), and N nodes, each a real server
// process tree with its own HTTP port, UDP media port and data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { freePort, spawnServer, type ServerProcess } from './server-process.js';
import { startRedis, type RedisServer } from './redis.js';
import { until } from './waiting.js';

// Tests that need Redis alone import it from './redis.js' (which needs no compiled server).
export { startRedis, type RedisServer };

export interface ClusterNodeProcess extends ServerProcess {
  id: string;
  /** Its first media UDP port (its media worker i listens on this + i). */
  mediaPort: number;
  /** Starts this node again (same id, ports and data) after it stopped or was killed. */
  restart(): Promise<void>;
}

export interface TestCluster {
  nodes: ClusterNodeProcess[];
  redis: RedisServer;
  db: TestDatabase;
  recordingsDir: string;
  close(): Promise<void>;
}

export interface TestClusterOptions {
  nodes?: number;
  leaseMs?: number;
  /** Media worker processes per node (1 unless a test needs several). */
  mediaWorkers?: number;
  env?: Record<string, string>;
}

export async function startCluster(o: TestClusterOptions = {}): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'spaces-cluster-'));
  const recordingsDir = join(root, 'shared-recordings');
  const redis = await startRedis();
  const db = await createTestDatabase();
  const secret = randomBytes(24).toString('base64url');
  const nodes: ClusterNodeProcess[] = [];
  const count = o.nodes ?? 3;
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  // As an operator lists them: every node's public URL, so that a page of one node may follow a
  // redirect to another node's WebSocket (the Content-Security-Policy allows only those).
  const origins = ports.map((p) => `http://127.0.0.1:${p}`).join(',');
  // Started together, as an operator's orchestrator would (the migrations take PostgreSQL's lock).
  const starting: Array<Promise<ClusterNodeProcess>> = [];
  for (let i = 0; i < count; i++) {
    const id = `node${i}`;
    const port = ports[i]!;
    // Each node's media worker on its own UDP port, far apart from the other tests' ranges.
    const mediaPort = 30000 + Math.floor(Math.random() * 900) * 10 + i;
    const spawnOptions = {
      dataDir: join(root, id),
      port,
      mediaPort,
      ...(o.mediaWorkers ? { mediaWorkers: o.mediaWorkers } : {}),
      databaseUrl: db.url,
      env: {
        SPACES_REDIS_URL: redis.url,
        SPACES_NODE_ID: id,
        SPACES_JWT_SECRET: secret,
        SPACES_RECORDINGS_DIR: recordingsDir,
        SPACES_CLUSTER_LEASE_MS: String(o.leaseMs ?? 2000),
        SPACES_DRAIN_TIMEOUT_MS: '20000',
        SPACES_CLUSTER_ORIGINS: origins,
        ...o.env,
      },
    };
    starting.push(
      spawnServer(spawnOptions).then((started) => {
        const node = { id, mediaPort, ...started } as ClusterNodeProcess;
        node.restart = async () => {
          const fresh = await spawnServer(spawnOptions);
          Object.assign(node, fresh, { id, mediaPort, restart: node.restart });
        };
        return node;
      }),
    );
  }
  const settled = await Promise.allSettled(starting);
  for (const r of settled) if (r.status === 'fulfilled') nodes.push(r.value);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.kill9().catch(() => undefined)));
    await redis.stop();
    await db.drop();
    throw failed.reason;
  }
  return {
    nodes,
    redis,
    db,
    recordingsDir,
    async close() {
      await Promise.all(nodes.map((n) => (n.child.exitCode === null && n.child.signalCode === null ? n.kill9().catch(() => undefined) : undefined)));
      await redis.stop();
      await db.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Live Spaces a node runs now, as its /healthz says (null: the node does not answer). */
export async function roomsOn(node: ClusterNodeProcess): Promise<number | null> {
  try {
    const res = await fetch(`${node.url}/healthz`);
    return ((await res.json()) as { rooms: number }).rooms;
  } catch {
    return null;
  }
}

/** The node that runs the (only) Space, once exactly one of `nodes` does. */
export function soleRunner(nodes: ClusterNodeProcess[], what: string): Promise<ClusterNodeProcess> {
  return until(
    async () => {
      const rooms = await Promise.all(nodes.map(roomsOn));
      const running = nodes.filter((_, i) => (rooms[i] ?? 0) > 0);
      return running.length === 1 ? running[0] : undefined;
    },
    60_000,
    what,
    100,
  );
}
