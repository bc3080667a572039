// Composition root: wires storage, auth, the media plane, the Spaces service and the
// HTTP/WebSocket adapters together, and tears them down in reverse order.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { serverModule } from './package-files.js';
import { openDatabase } from './store/database.js';
import { UserStore } from './store/user-store.js';
import { SpaceStore } from './store/space-store.js';
import { TokenService } from './auth/tokens.js';
import { GuestIdentities } from './auth/guests.js';
import { WorkerPool } from './media/cluster/worker-pool.js';
import { h264Options } from './transcode/h264-to-vp8.js';
import { CodecWorker } from './workers/codec-worker.js';
import { SpaceService } from './app/space-service.js';
import { registerAuthRoutes } from './api/auth-routes.js';
import { registerSpaceRoutes } from './api/space-routes.js';
import { installErrorHandler, sendError } from './api/http-errors.js';
import { registerWebApp } from './api/web-app.js';
import { handleSocket } from './api/signalling.js';
import { SocketGuard } from './api/socket-guard.js';
import { registerSecurityHeaders } from './api/security-headers.js';
import { createMetrics } from './api/metrics.js';
import { registerHlsRoutes } from './api/hls-routes.js';
import { registerWhipRoutes } from './api/whip-routes.js';
import { OwnerForwarding } from './api/owner-forwarding.js';
import { MediaSessions } from './app/media-sessions.js';
import { StreamKeyStore } from './store/stream-key-store.js';
import { StreamKeys } from './app/stream-keys.js';
import { RecordingStore } from './store/recording-store.js';
import { RecordingService } from './app/recording-service.js';
import { CommentStore } from './store/comment-store.js';
import { ChatService } from './app/chat.js';
import { LocalPlacement, type SpacePlacement } from './app/space-placement.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { connectRedis, whenReady } from './cluster/redis-client.js';
import { NodeLoadMeter } from './cluster/node-load.js';
import { EdgeLinks } from './cluster/edge-links.js';
import { EdgeHost } from './cluster/edge-host.js';
import { relayKey } from './media/cluster/node-relay.js';

export interface RunningServer {
  url: string;
  port: number;
  mediaPort: number;
  spaces: SpaceService;
  media: WorkerPool;
  codec: CodecWorker;
  log: Logger;
  /** In a cluster, the node's membership (null on a single node). */
  cluster: ClusterNode | null;
  /**
   * A cluster node about to stop: takes no new Spaces and hands its own to the other nodes,
   * waiting up to the drain timeout. Does nothing on a single node.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  // The data directory holds the database, the JWT secret and recordings: this user's alone.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  const db = await openDatabase(config.databaseUrl);
  const secret = config.jwtSecret ?? loadOrCreateSecret(config.dataDir);
  const users = new UserStore(db);
  const tokens = new TokenService(secret, users);
  const guests = new GuestIdentities(secret);
  const transport = {
    udpPort: config.media.udpPort,
    ...(config.media.bindAddress ? { bindAddress: config.media.bindAddress } : {}),
    ...(config.media.announcedAddress ? { announcedAddress: config.media.announcedAddress } : {}),
    iceServers: config.media.iceServers,
  };
  // Two kinds of worker process, both supervised: media workers (one per core by default) hold
  // every media socket, and the codec worker runs every ffmpeg. This process holds neither, and
  // the codec worker holds no media socket, so no encoder can inherit one.
  const { ffmpegPath } = config.hls.encoding;
  const codec = await CodecWorker.start(
    { entry: workerEntry('codec-worker-main'), ffmpegPath, transcode: h264Options(ffmpegPath), logLevel: log.level },
    log.child({ module: 'codec' }),
  );
  let media: WorkerPool;
  try {
    media = await WorkerPool.start(
      {
        transport,
        count: config.mediaWorkers,
        rooms: { audibleSpeakers: config.audibleSpeakers },
        entry: workerEntry('media-worker-main'),
        codecSocket: codec.socketPath,
        logLevel: log.level,
        ...(config.cluster
          ? {
              nodeRelay: {
                port: config.cluster.relay.port,
                key: relayKey(secret).toString('hex'),
                ...(config.media.bindAddress ? { bindAddress: config.media.bindAddress } : {}),
              },
            }
          : {}),
      },
      log.child({ module: 'media' }),
    );
  } catch (err) {
    await codec.close();
    throw err;
  }
  const { hls } = config;
  const comments = new CommentStore(db);
  const chat = new ChatService(comments, log.child({ module: 'chat' }));
  const recordings = new RecordingService(
    new RecordingStore(db),
    {
      root: config.recordingsDir,
      retentionDays: config.recordingRetentionDays,
      master: hls.encoding,
      segmentSeconds: hls.encoding.segmentSeconds,
    },
    log.child({ module: 'recordings' }),
    comments,
  );
  const spaceStore = new SpaceStore(db);
  // Bound after the directory exists: the node reports the directory's load and views.
  let spacesRef: SpaceService | null = null;
  const joined = config.cluster ? await joinCluster(config, spaceStore, media, codec, () => spacesRef, log) : null;
  const cluster = joined?.node ?? null;
  const placement: SpacePlacement = cluster ?? new LocalPlacement(spaceStore);
  const spaces = new SpaceService({
    store: spaceStore,
    media,
    options: { hostGraceMs: config.hostGraceMs, reconnectGraceMs: config.reconnectGraceMs, whipGraceMs: config.whipGraceMs },
    log: log.child({ module: 'spaces' }),
    audience: {
      webrtcCapacity: config.webrtcCapacity,
      ...(joined ? { borrowedPeers: () => joined.host.peers } : {}),
      hlsBaseUrl: hls.baseUrl,
      recordings,
      encoders: codec,
      egress: {
        mode: hls.mode,
        root: join(config.dataDir, 'hls'),
        encoding: hls.encoding,
        windowSegments: hls.windowSegments,
        lingerMs: hls.lingerMs,
      },
    },
    limits: config.limits,
    chats: chat,
    placement,
  });
  spacesRef = spaces;
  const mediaSessions = new MediaSessions(spaces, guests);
  await spaces.restore();
  await cluster?.start(spaces);
  if (joined) {
    await joined.links.start(media.attachRemote(joined.links));
    await joined.host.start();
  }
  const workers = () => [...media.status(), codec.status()];
  const { registry: metrics, hlsRequests } = createMetrics(
    media,
    spaces,
    chat,
    workers,
    joined
      ? {
          get counters() {
            return joined.node.counters;
          },
          get edgeCopies() {
            return joined.host.copyCount;
          },
          get listenersOnEdges() {
            return media.listenersOnEdges;
          },
        }
      : undefined,
  );

  const app = Fastify({ loggerInstance: log.child({ module: 'http' }) as FastifyBaseLogger, bodyLimit: 64 * 1024, trustProxy: config.trustProxy });
  installErrorHandler(app);
  await registerSecurityHeaders(app, {
    webDir: config.webDir,
    hlsBaseUrl: hls.baseUrl,
    https: config.publicUrl.startsWith('https:'),
    nodeOrigins: config.cluster?.nodeOrigins ?? [],
  });
  // Per-route limits (sign-in, sign-up); each answers 429 with Retry-After.
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, code: 'rate_limited', message: `too many requests; try again in ${ctx.after}` }),
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });
  const sockets = new SocketGuard(config.limits);
  app.addHook('onClose', async () => sockets.close());
  registerAuthRoutes(app, { users, tokens, limits: config.limits, signedOut: (userId) => sockets.signedOut(userId) });
  const forwarding = new OwnerForwarding(spaces, secret);
  registerSpaceRoutes(app, spaces, tokens, chat, forwarding);
  registerHlsRoutes(app, spaces, hlsRequests, forwarding);
  registerWhipRoutes(app, {
    sessions: mediaSessions,
    keys: new StreamKeys(new StreamKeyStore(db), spaces, users),
    tokens,
    iceServers: config.media.iceServers,
    forwarding,
  });
  app.get('/api/config', async () => ({ iceServers: config.media.iceServers }));
  // Degraded while a worker is down (it is being restarted); 503 only when no media worker runs at all.
  app.get('/healthz', async (_req, reply) => {
    const status = workers();
    const mediaUp = media.status().some((w) => w.up);
    const degraded = status.some((w) => !w.up);
    const node = cluster ? { node: cluster.nodeId, draining: cluster.draining, coordinatorUp: cluster.counters.coordinatorUp } : {};
    // A draining node answers 503, so that a load balancer's health check takes it out of rotation.
    if (cluster?.draining) return reply.code(503).send({ status: 'draining', rooms: spaces.liveCount, workers: status, ...node });
    return reply.code(mediaUp ? 200 : 503).send({ status: degraded ? 'degraded' : 'ok', rooms: spaces.liveCount, workers: status, ...node });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  app.get(
    '/ws',
    {
      websocket: true,
      // Refused before the upgrade: sockets cost memory whether or not they ever join.
      preValidation: async (req, reply) => {
        if (!sockets.admits(clientAddress(req.ip))) {
          return sendError(reply, 'rate_limited', 'too many connections from your address', { 'retry-after': '10' });
        }
      },
    },
    (socket, req) => {
      sockets.track(socket, clientAddress(req.ip));
      handleSocket(socket, {
        spaces,
        tokens,
        iceServers: config.media.iceServers,
        messageRate: config.messageRate,
        messageBurst: config.messageBurst,
        log: log.child({ module: 'signalling' }),
        guests,
        joined: (userId) => sockets.joined(socket, userId),
      });
    },
  );
  let url = config.publicUrl;
  await registerWebApp(app, {
    webDir: config.webDir,
    publicUrl: () => url,
    spaces: { get: (id) => spaces.get(id), replayReady: (id) => recordings.replayReady(id) },
    log,
  });

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  url = config.publicUrl.replace(`:${config.port}`, `:${port}`);

  return {
    url,
    port,
    mediaPort: config.media.udpPort,
    spaces,
    media,
    codec,
    log,
    cluster,
    async drain() {
      if (!cluster || !config.cluster) return;
      const started = Date.now();
      const { moved, left } = await cluster.drain(config.cluster.drainTimeoutMs);
      log.info({ moved, left, ms: Date.now() - started }, 'drain finished');
    },
    async close() {
      await app.close();
      await spaces.shutdown();
      joined?.host.close();
      await cluster?.close();
      await media.close();
      await codec.close();
      await db.destroy();
    },
  };
}

function loadOrCreateSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** A worker process's entry module, in the same form (compiled or source) as this one. */
function workerEntry(name: string): string {
  return serverModule(`workers/${name}`);
}

/**
 * The address limits count by: IPv4 as it is, IPv6 by its /64 (one host is usually given a
 * whole /64, and could otherwise take a fresh address for every socket), as @fastify/rate-limit does.
 */
function clientAddress(ip: string): string {
  return normalizeIP(ip, 64);
}

/** Connects to the cluster's Redis and makes this node a member (started once the directory is up). */
async function joinCluster(
  config: Config,
  store: SpaceStore,
  media: WorkerPool,
  codec: CodecWorker,
  spaces: () => SpaceService | null,
  log: Logger,
): Promise<{ node: ClusterNode; links: EdgeLinks; host: EdgeHost }> {
  const c = config.cluster!;
  const clusterLog = log.child({ module: 'cluster', node: c.nodeId });
  const redis = connectRedis(c.redisUrl, `spaces:${c.nodeId}`, clusterLog);
  const subscriber = connectRedis(c.redisUrl, `spaces:${c.nodeId}:sweep`, clusterLog, true);
  try {
    await whenReady(redis, c.redisUrl, 10_000);
  } catch (err) {
    redis.disconnect();
    subscriber.disconnect();
    throw err;
  }
  const meter = new NodeLoadMeter(
    () =>
      [
        process.pid,
        ...media
          .status()
          .map((_, i) => media.pidOf(i) ?? 0)
          .filter((p) => p > 0),
        codec.pid ?? 0,
      ].filter((p) => p > 0),
    () => {
      const m = media.counters;
      return m.packetsIn + m.packetsOut;
    },
  );
  // A Space that outgrows this node places listeners on others (links); this node serves
  // other nodes' listeners the same way (host).
  const links = new EdgeLinks({ redis, subscriber, nodeId: c.nodeId, leaseMs: c.leaseMs, log: clusterLog.child({ part: 'edge-links' }) });
  const host = new EdgeHost({ redis, subscriber, media, nodeId: c.nodeId, leaseMs: c.leaseMs, log: clusterLog.child({ part: 'edge-host' }) });
  const node = new ClusterNode({
    redis,
    subscriber,
    store,
    nodeId: c.nodeId,
    url: config.publicUrl,
    leaseMs: c.leaseMs,
    log: clusterLog,
    load: () => {
      const s = spaces();
      // Every PeerConnection here, its own Spaces' and the ones it serves as another node's edge.
      return meter.sample({ peers: (s?.tiers.webrtcPeers ?? 0) + host.peers, spaces: s?.liveCount ?? 0 });
    },
    views: () => spaces()?.liveViews() ?? new Map(),
    announce: () => ({
      capacity: config.webrtcCapacity,
      ...(media.nodeRelayPort > 0 ? { relay: { host: c.relay.address, port: media.nodeRelayPort } } : {}),
    }),
    onNodes: (nodes) => links.onNodes(nodes),
  });
  return { node, links, host };
}
