// Server configuration: embedded defaults (SQLite in ./data, no outside services),
// overridden by environment variables, then by command-line flags. Every setting, with its
// check and its help, is in settings.ts; this module shapes them into the Config the server takes.
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from './package-files.js';
import { SETTINGS, SettingsError, readSettings } from './settings.js';
import { z } from 'zod';
import type { IceServerConfig } from './protocol/messages.js';
import type { EncodingOptions } from './egress/encoding.js';

const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]).transform((u) => (Array.isArray(u) ? u : [u])),
  username: z.string().optional(),
  credential: z.string().optional(),
});

export interface Config {
  host: string;
  port: number;
  /** Public base URL printed at start and used in links; derived from host and port when unset. */
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;
  jwtSecret: string | null;
  media: {
    udpPort: number;
    bindAddress?: string;
    announcedAddress?: string;
    iceServers: IceServerConfig[];
  };
  /** Media worker processes (at least one: the media plane never runs in the main process). */
  mediaWorkers: number;
  /** People on stage every listener hears at once, the most recent talkers (1–13). */
  audibleSpeakers: number;
  /** How long a dropped host keeps the Space before a co-host takes over or it ends. */
  hostGraceMs: number;
  /** How long anyone else's place is held after their connection drops. */
  reconnectGraceMs: number;
  /** How long a WHIP publisher's place (a host's Space too) is held once their encoder went away. */
  whipGraceMs: number;
  /** Per connection: sustained messages per second and burst. */
  messageRate: number;
  messageBurst: number;
  logLevel: string;
  webDir: string;
  /** WebRTC peers this node serves before new listeners go to HLS. */
  webrtcCapacity: number;
  hls: {
    /** on-demand: encode while someone listens over HLS or records; always: every live Space; off: recordings only. */
    mode: 'on-demand' | 'always' | 'off';
    /** Base URL of HLS given to listeners: /hls on this origin, or a CDN in front of it. */
    baseUrl: string;
    encoding: EncodingOptions;
    windowSegments: number;
    lingerMs: number;
  };
  /** Days a recording is kept after its Space ends; 0 keeps it forever. */
  recordingRetentionDays: number;
  /** Where recordings live; in a cluster, storage every node mounts at the same path. */
  recordingsDir: string;
  /** Cluster mode (null: this node alone). */
  cluster: ClusterConfig | null;
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For. */
  trustProxy: boolean;
  limits: AbuseLimits;
}

/** Several nodes sharing Redis (coordination) and PostgreSQL (everything stored). */
export interface ClusterConfig {
  redisUrl: string;
  nodeId: string;
  /** Node and Space-owner leases; a dead node's Spaces are adopted once its leases lapse. */
  leaseMs: number;
  /** SIGTERM: how long to wait for this node's Spaces to move before exiting. */
  drainTimeoutMs: number;
  /**
   * The nodes' origins (scheme, host and port; `*.` host or `*` port wildcards), to which this
   * node's pages may open a WebSocket: a join redirected to the Space's owner goes there.
   */
  nodeOrigins: string[];
  /**
   * The node-to-node media relay (a Space's audience spread over nodes): its first UDP port (0:
   * any free port) and the address the other nodes send to.
   */
  relay: { port: number; address: string };
}

/** Everything a user could abuse is bounded here; each answer is 429 with Retry-After, or a close code. */
export interface AbuseLimits {
  /** Sign-in attempts per address per minute. */
  signInPerMinute: number;
  /** Failed sign-ins of one handle before it must wait; each further failure doubles the wait. */
  signInFreeFailures: number;
  /** The longest a handle waits after failed sign-ins. */
  signInMaxWaitSeconds: number;
  /** New accounts per address per hour. */
  signUpsPerHour: number;
  /** Spaces one account may create per hour (live or scheduled). */
  spacesPerHour: number;
  /** Live Spaces one account may host at once. */
  liveSpacesPerAccount: number;
  /** Recordings one account may run at once. */
  recordingsPerAccount: number;
  /** Open WebSockets per address. */
  socketsPerAddress: number;
  /** A socket that has not joined a Space within this long is closed (4008). */
  joinTimeoutMs: number;
  /** A socket that answers no ping for this long is closed. */
  idleTimeoutMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Record<string, string> = {}): Config {
  const v = readSettings(env, flags);
  const port = v.port ?? readPortFallback(env.PORT);
  const dataDir = v.dataDir;
  const displayHost = v.host === '0.0.0.0' || v.host === '::' ? 'localhost' : v.host;
  return {
    host: v.host,
    port,
    publicUrl: v.publicUrl ?? `http://${displayHost}:${port}`,
    dataDir,
    databaseUrl: v.databaseUrl ?? `${dataDir}/spaces.db`,
    jwtSecret: v.jwtSecret || null,
    media: {
      udpPort: v.mediaPort,
      ...(v.mediaBind ? { bindAddress: v.mediaBind } : {}),
      ...(v.mediaAnnounce ? { announcedAddress: v.mediaAnnounce } : {}),
      iceServers: parseIceServers(v.iceServers),
    },
    mediaWorkers: v.mediaWorkers ?? availableParallelism(), // one per core
    audibleSpeakers: v.audibleSpeakers,
    hostGraceMs: v.hostGraceMs,
    reconnectGraceMs: v.reconnectGraceMs,
    whipGraceMs: v.whipGraceMs,
    messageRate: v.messageRate,
    messageBurst: v.messageBurst,
    logLevel: v.logLevel,
    webDir: v.webDir ?? join(packageRoot, 'dist/web'),
    webrtcCapacity: v.webrtcCapacity,
    hls: {
      mode: v.hlsMode,
      baseUrl: v.hlsBaseUrl.replace(/\/$/, ''),
      encoding: {
        ffmpegPath: v.ffmpeg,
        width: v.hlsWidth,
        height: v.hlsHeight,
        fps: v.hlsFps,
        videoKbps: v.hlsVideoKbps,
        audioKbps: v.hlsAudioKbps,
        segmentSeconds: v.hlsSegmentSeconds,
        lowAudioKbps: v.hlsLowAudioKbps,
        lowSegmentSeconds: v.hlsLowSegmentSeconds,
      },
      windowSegments: v.hlsWindow,
      lingerMs: v.hlsLingerMs,
    },
    recordingRetentionDays: v.recordingRetentionDays,
    recordingsDir: v.recordingsDir ?? join(dataDir, 'recordings'),
    cluster: clusterConfig(v, port, v.databaseUrl),
    trustProxy: v.trustProxy,
    limits: {
      signInPerMinute: v.signInPerMinute,
      signInFreeFailures: v.signInFreeFailures,
      signInMaxWaitSeconds: v.signInMaxWaitSeconds,
      signUpsPerHour: v.signUpsPerHour,
      spacesPerHour: v.spacesPerHour,
      liveSpacesPerAccount: v.liveSpacesPerAccount,
      recordingsPerAccount: v.recordingsPerAccount,
      socketsPerAddress: v.socketsPerAddress,
      joinTimeoutMs: v.joinTimeoutMs,
      idleTimeoutMs: v.idleTimeoutMs,
    },
  };
}

function clusterConfig(v: ReturnType<typeof readSettings>, port: number, databaseUrl: string | undefined): ClusterConfig | null {
  if (!v.redisUrl) return null;
  if (!/^rediss?:\/\//.test(v.redisUrl) || !parsesWithHost(v.redisUrl)) {
    throw new SettingsError(`invalid settings:\n  SPACES_REDIS_URL must be redis://… or rediss://… (host[:port][/db])`);
  }
  // Every node must see every Space and account: SQLite is one machine's file.
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new SettingsError('invalid settings:\n  cluster mode (SPACES_REDIS_URL) needs a shared PostgreSQL database: set SPACES_DATABASE_URL=postgres://…');
  }
  // Sessions and guest ids are signed with it: a token from one node must hold on every node.
  if (!v.jwtSecret) {
    throw new SettingsError('invalid settings:\n  cluster mode (SPACES_REDIS_URL) needs the same SPACES_JWT_SECRET on every node');
  }
  return {
    redisUrl: v.redisUrl,
    nodeId: v.nodeId ?? `${hostname()}-${port}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64),
    leaseMs: v.clusterLeaseMs,
    drainTimeoutMs: v.drainTimeoutMs,
    nodeOrigins: parseNodeOrigins(v.clusterOrigins),
    relay: { port: v.relayPort, address: v.relayAddress || v.mediaAnnounce || '127.0.0.1' },
  };
}

/** `http(s)://host[:port][/path]`: the host may start with `*.` and the port may be `*`. */
const NODE_ORIGIN = /^(https?):\/\/((?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:(?:\d{1,5}|\*))?(?:\/[^\s,;']*)?$/;

/** The origins of SPACES_CLUSTER_ORIGINS; a path is dropped (a Content-Security-Policy source needs none). */
function parseNodeOrigins(raw: string): string[] {
  const origins: string[] = [];
  const entries = raw.split(',').map((e) => e.trim());
  for (const entry of entries.filter(Boolean)) {
    const m = NODE_ORIGIN.exec(entry);
    if (!m) {
      throw new SettingsError(
        `invalid settings:\n  SPACES_CLUSTER_ORIGINS ${JSON.stringify(entry)}: must be a node's public URL, http(s)://host[:port] (host may be *.domain, port may be *)`,
      );
    }
    origins.push(`${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${m[3] ?? ''}`);
  }
  return [...new Set(origins)];
}

/** Caught here rather than as a connection failure at start-up: a typo in a port is the operator's to fix. */
function parsesWithHost(url: string): boolean {
  try {
    return new URL(url).hostname !== '';
  } catch {
    return false;
  }
}

/** PORT, the variable many hosting platforms set, when SPACES_PORT and --port are not given. */
function readPortFallback(raw: string | undefined): number {
  if (raw === undefined) return 8080;
  const parsed = SETTINGS.port.schema.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`invalid settings:\n  PORT ${JSON.stringify(raw)}: must be a port number`);
  return parsed.data;
}

function parseIceServers(raw: string): IceServerConfig[] {
  try {
    return z.array(iceServerSchema).parse(JSON.parse(raw));
  } catch {
    throw new SettingsError(`invalid settings:\n  SPACES_ICE_SERVERS must be a JSON array of {urls, username?, credential?}: ${raw}`);
  }
}
