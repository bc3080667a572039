// Server configuration: embedded defaults (SQLite in ./data, no outside services),
// overridden by environment variables, then by command-line flags.
import { availableParallelism } from 'node:os';
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
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For. */
  trustProxy: boolean;
  limits: AbuseLimits;
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

/** A stage holds at most 13, so hearing more than 13 at once means nothing. */
function audibleSpeakers(n: number): number {
  if (Number.isInteger(n) && n >= 1 && n <= 13) return n;
  throw new Error(`SPACES_AUDIBLE_SPEAKERS must be a whole number from 1 to 13: ${n}`);
}

function hlsMode(v: string): Config['hls']['mode'] {
  if (v === 'on-demand' || v === 'always' || v === 'off') return v;
  throw new Error(`SPACES_HLS_MODE must be on-demand, always or off: ${v}`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, flags: Record<string, string> = {}): Config {
  const get = (flag: string, name: string, fallback: string): string => flags[flag] ?? env[name] ?? fallback;
  const host = get('host', 'SPACES_HOST', '0.0.0.0');
  const port = Number(get('port', 'SPACES_PORT', env.PORT ?? '8080'));
  const dataDir = get('data-dir', 'SPACES_DATA_DIR', './data');
  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const iceRaw = get('ice-servers', 'SPACES_ICE_SERVERS', '[]');
  let iceServers: IceServerConfig[];
  try {
    iceServers = z.array(iceServerSchema).parse(JSON.parse(iceRaw));
  } catch {
    throw new Error(`SPACES_ICE_SERVERS must be a JSON array of {urls, username?, credential?}: ${iceRaw}`);
  }
  const num = (flag: string, name: string, fallback: number) => {
    const v = Number(get(flag, name, String(fallback)));
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
    return v;
  };
  const bindAddress = get('media-bind', 'SPACES_MEDIA_BIND_ADDRESS', '') || undefined;
  const announcedAddress = get('media-announce', 'SPACES_MEDIA_ANNOUNCED_ADDRESS', '') || undefined;
  return {
    host,
    port,
    publicUrl: get('public-url', 'SPACES_PUBLIC_URL', `http://${displayHost}:${port}`),
    dataDir,
    databaseUrl: get('database-url', 'SPACES_DATABASE_URL', `${dataDir}/spaces.db`),
    jwtSecret: get('jwt-secret', 'SPACES_JWT_SECRET', '') || null,
    media: {
      udpPort: num('media-port', 'SPACES_MEDIA_UDP_PORT', 40000),
      ...(bindAddress ? { bindAddress } : {}),
      ...(announcedAddress ? { announcedAddress } : {}),
      iceServers,
    },
    mediaWorkers: Math.max(1, Math.floor(num('media-workers', 'SPACES_MEDIA_WORKERS', availableParallelism()))),
    audibleSpeakers: audibleSpeakers(num('audible-speakers', 'SPACES_AUDIBLE_SPEAKERS', 3)),
    hostGraceMs: num('host-grace-ms', 'SPACES_HOST_GRACE_MS', 30_000),
    reconnectGraceMs: num('reconnect-grace-ms', 'SPACES_RECONNECT_GRACE_MS', 20_000),
    messageRate: num('message-rate', 'SPACES_MESSAGE_RATE', 20),
    messageBurst: num('message-burst', 'SPACES_MESSAGE_BURST', 40),
    logLevel: get('log-level', 'SPACES_LOG_LEVEL', 'info'),
    webDir: get('web-dir', 'SPACES_WEB_DIR', new URL('../dist/web', import.meta.url).pathname),
    webrtcCapacity: num('webrtc-capacity', 'SPACES_WEBRTC_CAPACITY', 2000),
    hls: {
      mode: hlsMode(get('hls-mode', 'SPACES_HLS_MODE', 'on-demand')),
      baseUrl: get('hls-base-url', 'SPACES_HLS_BASE_URL', '/hls').replace(/\/$/, ''),
      encoding: {
        ffmpegPath: get('ffmpeg', 'SPACES_FFMPEG', 'ffmpeg'),
        width: num('hls-width', 'SPACES_HLS_WIDTH', 960),
        height: num('hls-height', 'SPACES_HLS_HEIGHT', 540),
        fps: num('hls-fps', 'SPACES_HLS_FPS', 30),
        videoKbps: num('hls-video-kbps', 'SPACES_HLS_VIDEO_KBPS', 1200),
        audioKbps: num('hls-audio-kbps', 'SPACES_HLS_AUDIO_KBPS', 64),
        segmentSeconds: num('hls-segment-seconds', 'SPACES_HLS_SEGMENT_SECONDS', 1),
      },
      windowSegments: num('hls-window', 'SPACES_HLS_WINDOW_SEGMENTS', 6),
      lingerMs: num('hls-linger-ms', 'SPACES_HLS_LINGER_MS', 30_000),
    },
    recordingRetentionDays: num('recording-retention-days', 'SPACES_RECORDING_RETENTION_DAYS', 30),
    trustProxy: get('trust-proxy', 'SPACES_TRUST_PROXY', 'false') === 'true',
    limits: {
      signInPerMinute: positive('SPACES_SIGNIN_PER_MINUTE', num('signin-per-minute', 'SPACES_SIGNIN_PER_MINUTE', 20)),
      signInFreeFailures: num('signin-free-failures', 'SPACES_SIGNIN_FREE_FAILURES', 5),
      signInMaxWaitSeconds: num('signin-max-wait-s', 'SPACES_SIGNIN_MAX_WAIT_S', 900),
      signUpsPerHour: positive('SPACES_SIGNUPS_PER_HOUR', num('signups-per-hour', 'SPACES_SIGNUPS_PER_HOUR', 10)),
      spacesPerHour: positive('SPACES_SPACES_PER_HOUR', num('spaces-per-hour', 'SPACES_SPACES_PER_HOUR', 20)),
      liveSpacesPerAccount: positive('SPACES_LIVE_SPACES_PER_ACCOUNT', num('live-spaces-per-account', 'SPACES_LIVE_SPACES_PER_ACCOUNT', 3)),
      recordingsPerAccount: num('recordings-per-account', 'SPACES_RECORDINGS_PER_ACCOUNT', 2),
      socketsPerAddress: positive('SPACES_SOCKETS_PER_ADDRESS', num('sockets-per-address', 'SPACES_SOCKETS_PER_ADDRESS', 100)),
      joinTimeoutMs: positive('SPACES_JOIN_TIMEOUT_MS', num('join-timeout-ms', 'SPACES_JOIN_TIMEOUT_MS', 10_000)),
      idleTimeoutMs: positive('SPACES_IDLE_TIMEOUT_MS', num('idle-timeout-ms', 'SPACES_IDLE_TIMEOUT_MS', 60_000)),
    },
  };
}

/** Limits of 0 would lock everyone out: a configuration mistake, said at start. */
function positive(name: string, v: number): number {
  if (v > 0) return v;
  throw new Error(`${name} must be greater than 0`);
}
