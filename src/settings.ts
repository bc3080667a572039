// Every setting of the server, in one table: its command-line flag, its environment variable,
// its schema (checked at start, so that a mistake is said at once and not found in production),
// its default and its help line. The configuration loader, the command line's strict parser and
// its USAGE text are all derived from this table, so they cannot disagree.
import { z } from 'zod';
import { MAX_STAGE } from './spaces/limits.js';

/** A number in [min, max] from the text of a flag or a variable, which must match `pattern`. */
const numeric = (pattern: RegExp, message: string, min: number, max: number) =>
  z.string().trim().regex(pattern, message).transform(Number).pipe(z.number().min(min).max(max));

/** A whole number in [min, max]. */
const int = (min: number, max: number = Number.MAX_SAFE_INTEGER) => numeric(/^-?\d+$/, 'must be a whole number', min, max);

/** A number (fractions allowed) in [min, max]. */
const decimal = (min: number, max: number) => numeric(/^-?\d+(\.\d+)?$/, 'must be a number', min, max);

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const text = z.string();
const port = int(0, 65535);

export interface Setting<S extends z.ZodType = z.ZodType, D extends string | undefined = string | undefined> {
  /** The command-line flag, without its dashes. */
  flag: string;
  env: string;
  schema: S;
  /** The default, as text (parsed by the schema like any value); undefined: derived from others. */
  default: D;
  /** For a boolean setting, the flag alone means true. */
  boolean?: true;
  help: string;
}

function setting<S extends z.ZodType>(flag: string, env: string, schema: S, def: string | number, help: string): Setting<S, string>;
function setting<S extends z.ZodType>(flag: string, env: string, schema: S, def: undefined, help: string): Setting<S, undefined>;
function setting<S extends z.ZodType>(flag: string, env: string, schema: S, def: string | number | undefined, help: string): Setting<S> {
  return { flag, env, schema, default: def === undefined ? undefined : String(def), help };
}

function flagSetting(flag: string, env: string, help: string): Setting<typeof bool, string> {
  return { flag, env, schema: bool, default: 'false', boolean: true, help };
}

export const SETTINGS = {
  host: setting('host', 'SPACES_HOST', text, '0.0.0.0', 'HTTP bind address'),
  port: setting('port', 'SPACES_PORT', port, undefined, 'HTTP port (default 8080, or PORT)'),
  publicUrl: setting('public-url', 'SPACES_PUBLIC_URL', z.string().url(), undefined, 'public base URL printed and used in links (default from host and port)'),
  dataDir: setting('data-dir', 'SPACES_DATA_DIR', text.min(1), './data', 'data directory (SQLite, recordings, secrets)'),
  databaseUrl: setting('database-url', 'SPACES_DATABASE_URL', text.min(1), undefined, 'SQLite file or postgres://… (default DATA_DIR/spaces.db)'),
  jwtSecret: setting('jwt-secret', 'SPACES_JWT_SECRET', text, '', 'session signing secret (default: generated once in the data directory)'),
  logLevel: setting('log-level', 'SPACES_LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'log level'),
  webDir: setting('web-dir', 'SPACES_WEB_DIR', text.min(1), undefined, 'the built web app (default dist/web)'),
  trustProxy: flagSetting('trust-proxy', 'SPACES_TRUST_PROXY', 'behind a reverse proxy: client addresses from X-Forwarded-For'),

  mediaPort: setting('media-port', 'SPACES_MEDIA_UDP_PORT', int(1, 65535), 40000, 'first UDP port for WebRTC media (one per media worker)'),
  mediaBind: setting('media-bind', 'SPACES_MEDIA_BIND_ADDRESS', text, '', 'address the media sockets bind to (default all)'),
  mediaAnnounce: setting('media-announce', 'SPACES_MEDIA_ANNOUNCED_ADDRESS', text, '', 'public address to announce behind NAT'),
  iceServers: setting('ice-servers', 'SPACES_ICE_SERVERS', text, '[]', 'JSON array of {urls, username?, credential?} given to clients'),
  mediaWorkers: setting('media-workers', 'SPACES_MEDIA_WORKERS', int(1, 256), undefined, 'media worker processes (default: one per core)'),
  audibleSpeakers: setting('audible-speakers', 'SPACES_AUDIBLE_SPEAKERS', int(1, MAX_STAGE), 3, `people on stage each listener hears at once (1–${MAX_STAGE})`),
  webrtcCapacity: setting('webrtc-capacity', 'SPACES_WEBRTC_CAPACITY', int(0), 2000, 'WebRTC peers this node serves before new listeners go to HLS'),

  hostGraceMs: setting('host-grace-ms', 'SPACES_HOST_GRACE_MS', int(0, 3_600_000), 30_000, 'how long a Space waits for its host (at start, or after a drop)'),
  reconnectGraceMs: setting('reconnect-grace-ms', 'SPACES_RECONNECT_GRACE_MS', int(0, 3_600_000), 20_000, "how long anyone else's place is held after a drop"),
  whipGraceMs: setting(
    'whip-grace-ms',
    'SPACES_WHIP_GRACE_MS',
    int(0, 3_600_000),
    120_000,
    'how long a WHIP publisher (host or speaker) is waited for after their encoder stops',
  ),
  messageRate: setting('message-rate', 'SPACES_MESSAGE_RATE', decimal(0.1, 10_000), 20, 'signalling messages per second per connection, sustained'),
  messageBurst: setting('message-burst', 'SPACES_MESSAGE_BURST', int(1, 100_000), 40, 'signalling messages per connection in a burst'),

  hlsMode: setting(
    'hls-mode',
    'SPACES_HLS_MODE',
    z.enum(['on-demand', 'always', 'off']),
    'on-demand',
    'HLS: on-demand, always (every live Space) or off (recordings only)',
  ),
  hlsBaseUrl: setting('hls-base-url', 'SPACES_HLS_BASE_URL', text.min(1), '/hls', 'HLS base URL given to listeners (this origin, or a CDN)'),
  ffmpeg: setting('ffmpeg', 'SPACES_FFMPEG', text.min(1), 'ffmpeg', 'ffmpeg binary'),
  hlsWidth: setting('hls-width', 'SPACES_HLS_WIDTH', int(16, 3840), 960, 'HLS video width'),
  hlsHeight: setting('hls-height', 'SPACES_HLS_HEIGHT', int(16, 2160), 540, 'HLS video height'),
  hlsFps: setting('hls-fps', 'SPACES_HLS_FPS', int(1, 60), 30, 'HLS frames per second'),
  hlsVideoKbps: setting('hls-video-kbps', 'SPACES_HLS_VIDEO_KBPS', int(50, 20_000), 1200, 'HLS video bitrate'),
  hlsAudioKbps: setting('hls-audio-kbps', 'SPACES_HLS_AUDIO_KBPS', int(16, 512), 64, 'HLS audio bitrate'),
  hlsLowAudioKbps: setting(
    'hls-low-audio-kbps',
    'SPACES_HLS_LOW_AUDIO_KBPS',
    int(6, 128),
    16,
    'Low data mode audio bitrate (Opus, audio only; kept below what WebRTC audio uses)',
  ),
  hlsLowSegmentSeconds: setting(
    'hls-low-segment-seconds',
    'SPACES_HLS_LOW_SEGMENT_SECONDS',
    decimal(1, 10),
    2,
    'Low data mode segment length in seconds (longer: fewer requests, more delay)',
  ),
  hlsSegmentSeconds: setting('hls-segment-seconds', 'SPACES_HLS_SEGMENT_SECONDS', decimal(0.5, 10), 1, 'HLS segment length in seconds'),
  hlsWindow: setting('hls-window', 'SPACES_HLS_WINDOW_SEGMENTS', int(3, 100), 6, 'segments in a live playlist'),
  hlsLingerMs: setting('hls-linger-ms', 'SPACES_HLS_LINGER_MS', int(0, 3_600_000), 30_000, 'on-demand HLS keeps encoding this long after its last listener'),
  recordingRetentionDays: setting(
    'recording-retention-days',
    'SPACES_RECORDING_RETENTION_DAYS',
    int(0, 36_500),
    30,
    'days a recording is kept after its Space ends (0: forever)',
  ),

  recordingsDir: setting(
    'recordings-dir',
    'SPACES_RECORDINGS_DIR',
    text.min(1),
    undefined,
    'where recordings are written (default DATA_DIR/recordings); in a cluster, storage every node mounts',
  ),

  redisUrl: setting('redis-url', 'SPACES_REDIS_URL', text, '', 'redis://… turns on cluster mode (needs a postgres:// database URL)'),
  nodeId: setting(
    'node-id',
    'SPACES_NODE_ID',
    z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)'),
    undefined,
    "this node's name in the cluster (default host name and port)",
  ),
  clusterLeaseMs: setting(
    'cluster-lease-ms',
    'SPACES_CLUSTER_LEASE_MS',
    int(1000, 600_000),
    4000,
    "a node's and a Space owner's lease in Redis: a dead node's Spaces move this long after it stops renewing",
  ),
  clusterOrigins: setting(
    'cluster-origins',
    'SPACES_CLUSTER_ORIGINS',
    text,
    '',
    "in a cluster whose nodes have public URLs of different origins: every node's public URL, comma-separated (a host may be *.domain, a port *), so that this node's pages may follow a redirect to the node that runs a Space",
  ),
  relayPort: setting(
    'relay-port',
    'SPACES_RELAY_UDP_PORT',
    int(0, 65535),
    0,
    'in a cluster: first UDP port of the node-to-node media relay, one per media worker (0: any free port, announced in Redis)',
  ),
  relayAddress: setting(
    'relay-address',
    'SPACES_RELAY_ADDRESS',
    text,
    '',
    "in a cluster: the address other nodes send this node's relayed media to (default the announced media address, else 127.0.0.1)",
  ),
  drainTimeoutMs: setting(
    'drain-timeout-ms',
    'SPACES_DRAIN_TIMEOUT_MS',
    int(0, 86_400_000),
    60_000,
    'on SIGTERM in a cluster: how long to wait for Spaces to move before exiting',
  ),

  signInPerMinute: setting('signin-per-minute', 'SPACES_SIGNIN_PER_MINUTE', int(1), 20, 'sign-in attempts per address per minute'),
  signInFreeFailures: setting(
    'signin-free-failures',
    'SPACES_SIGNIN_FREE_FAILURES',
    int(0),
    5,
    'failed sign-ins of a handle before each further one waits longer',
  ),
  signInMaxWaitSeconds: setting('signin-max-wait-s', 'SPACES_SIGNIN_MAX_WAIT_S', int(1), 900, 'the longest a handle waits after failed sign-ins'),
  signUpsPerHour: setting('signups-per-hour', 'SPACES_SIGNUPS_PER_HOUR', int(1), 10, 'new accounts per address per hour'),
  spacesPerHour: setting('spaces-per-hour', 'SPACES_SPACES_PER_HOUR', int(1), 20, 'Spaces an account may create per hour'),
  liveSpacesPerAccount: setting('live-spaces-per-account', 'SPACES_LIVE_SPACES_PER_ACCOUNT', int(1), 3, 'live Spaces an account may host at once'),
  recordingsPerAccount: setting('recordings-per-account', 'SPACES_RECORDINGS_PER_ACCOUNT', int(0), 2, 'recordings an account may run at once'),
  socketsPerAddress: setting('sockets-per-address', 'SPACES_SOCKETS_PER_ADDRESS', int(1), 100, 'open WebSockets per address (IPv6: per /64)'),
  joinTimeoutMs: setting('join-timeout-ms', 'SPACES_JOIN_TIMEOUT_MS', int(100), 10_000, 'a socket that has not joined a Space by then is closed (4008)'),
  idleTimeoutMs: setting('idle-timeout-ms', 'SPACES_IDLE_TIMEOUT_MS', int(1000), 60_000, 'a socket that answers no ping for this long is closed'),
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
/** Each setting's checked value; one without a default (derived from others) may be undefined. */
export type SettingValues = {
  [K in SettingName]: (typeof SETTINGS)[K]['default'] extends string
    ? z.output<(typeof SETTINGS)[K]['schema']>
    : z.output<(typeof SETTINGS)[K]['schema']> | undefined;
};

/** A setting the operator got wrong: every one is listed, with where it came from. */
export class SettingsError extends Error {}

/**
 * Reads every setting from the flags, then the environment, then its default, and checks it.
 * A value that is derived from others (no default) is undefined when not given.
 */
export function readSettings(env: NodeJS.ProcessEnv, flags: Record<string, string>): SettingValues {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SETTINGS) as Array<[SettingName, Setting]>) {
    const given =
      flags[s.flag] !== undefined ? { raw: flags[s.flag]!, from: `--${s.flag}` } : env[s.env] !== undefined ? { raw: env[s.env]!, from: s.env } : null;
    const raw = given?.raw ?? s.default;
    if (raw === undefined) {
      values[name] = undefined;
      continue;
    }
    const parsed = s.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${given?.from ?? s.env} ${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')} (${s.help})`);
  }
  if (problems.length > 0) throw new SettingsError(`invalid settings:\n  ${problems.join('\n  ')}`);
  return values as SettingValues;
}

/** The flags of `spaces serve` and their kinds, for the strict command-line parser. */
export function serveFlagOptions(): Record<string, 'string' | 'boolean'> {
  return Object.fromEntries((Object.values(SETTINGS) as Setting[]).map((s) => [s.flag, s.boolean ? 'boolean' : 'string']));
}

/** The USAGE lines of `spaces serve`: every setting, its flag, variable and default. */
export function settingsUsage(): string {
  return (Object.values(SETTINGS) as Setting[])
    .map((s) => {
      const flag = `--${s.flag}${s.boolean ? '' : ' V'}`;
      const def = s.default === undefined || s.default === '' ? '' : ` [${s.default}]`;
      return `      ${flag.padEnd(30)} ${s.help}${def}\n      ${''.padEnd(30)} env ${s.env}`;
    })
    .join('\n');
}
