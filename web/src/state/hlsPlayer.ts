// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient declaration (no module to import), needed by every project that checks this file
/// <reference path="../hls-light.d.cts" />
// HLS playback, for the audience's HLS tier (live) and for replays (VOD): hls.js on Media
// Source Extensions, or the browser's own HLS where that is the mature one (Safari, iOS).
// hls.js is loaded on demand: most people never need it, and it is the largest thing we ship.
// Low data mode (one audio-only media playlist) loads its light build, about two thirds the
// size: no alternate audio, subtitles or DRM, none of which an audio-only playlist needs. The
// video master names a separate audio rendition, which only the full build plays.
import type Hls from 'hls.js';
import type { ErrorData, HlsConfig, LoaderResponse, RetryConfig } from 'hls.js';

export type HlsStatus =
  /** Fetching the playlist (it may not exist yet: the server's encoder takes a moment to start). */
  | 'loading'
  | 'playing'
  | 'paused'
  /** Playback stalled waiting for data. */
  | 'waiting'
  /** The browser refused to start playback with sound before a tap. */
  | 'blocked'
  | 'unsupported';

export interface HlsPlayerOptions {
  /** A live stream: tuned for latency, and started as soon as it can be. */
  live: boolean;
  /** One audio-only media playlist (Low data mode): the light hls.js does. */
  audioOnly?: boolean;
  /** Start playing once loaded (live always does). */
  autoplay?: boolean;
  onStatus?(status: HlsStatus): void;
}

/**
 * Safari's own HLS is the reference implementation and the only option on older iPhones.
 * Chromium now answers "maybe" for HLS as well (its new built-in player), but that player can
 * neither be tuned for latency nor told to retry a playlist that is not there yet, so
 * Chromium-based browsers (the ones with navigator.userAgentData) get hls.js like Firefox.
 */
export function prefersNativeHls(video: HTMLVideoElement): boolean {
  return video.canPlayType('application/vnd.apple.mpegurl') !== '' && !('userAgentData' in navigator);
}

/**
 * Whether Low data mode's Opus rendition (fMP4) plays here: through hls.js on Media Source
 * Extensions. Safari's own HLS gets the AAC one, which every version of it plays.
 */
export function playsOpusHls(): boolean {
  if (typeof document === 'undefined' || prefersNativeHls(document.createElement('video'))) return false;
  const ms = (globalThis as { ManagedMediaSource?: typeof MediaSource }).ManagedMediaSource ?? globalThis.MediaSource;
  return ms?.isTypeSupported?.('audio/mp4; codecs="opus"') ?? false;
}

/**
 * hls.js gives up on any 4xx at once. Right after a switch to HLS the server's encoder is
 * still starting and the playlists and first segments 404 for a second or two: retry those.
 */
function retryingNotFound(maxNumRetry: number): RetryConfig {
  return {
    maxNumRetry,
    retryDelayMs: 500,
    maxRetryDelayMs: 2000,
    backoff: 'linear',
    shouldRetry: (config, count, _timeout, response: LoaderResponse | undefined, retry) =>
      retry || (response?.code === 404 && count < (config?.maxNumRetry ?? 0)),
  };
}

const STARTUP_POLICY = {
  default: { maxTimeToFirstByteMs: 8000, maxLoadTimeMs: 15000, timeoutRetry: retryingNotFound(4), errorRetry: retryingNotFound(12) },
};

/** Live: stay about 1.5 s behind the newest segment (≈1 s segments) and catch up gently after a stall. */
const LIVE_CONFIG: Partial<HlsConfig> = {
  lowLatencyMode: true,
  liveSyncDuration: 1.5,
  liveMaxLatencyDuration: 6,
  // Needs lowLatencyMode: play up to 1.25× until back at the target latency (speech stays natural).
  maxLiveSyncPlaybackRate: 1.25,
  maxBufferLength: 8,
  backBufferLength: 10,
  manifestLoadPolicy: STARTUP_POLICY,
  playlistLoadPolicy: STARTUP_POLICY,
  fragLoadPolicy: STARTUP_POLICY,
};

/**
 * Low data mode's playlist has longer segments (2 s by default): the player stays one and a
 * half of them behind the newest, so the next one is in before the buffer runs out.
 */
const LOW_DATA_CONFIG: Partial<HlsConfig> = {
  ...LIVE_CONFIG,
  liveSyncDuration: undefined,
  liveSyncDurationCount: 1.5,
  liveMaxLatencyDuration: undefined,
  liveMaxLatencyDurationCount: 5,
  maxBufferLength: 12,
};

const VOD_CONFIG: Partial<HlsConfig> = {
  maxBufferLength: 30,
  manifestLoadPolicy: STARTUP_POLICY,
};

/** Give up a broken hls.js instance and start over after this long (then longer, up to the max). */
const RESTART_MS = 1000;
const RESTART_MAX_MS = 8000;

export class HlsPlayer {
  private hls: Hls | null = null;
  private disposed = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private restarts = 0;
  private mediaRecoveries = 0;
  private native = false;
  private status: HlsStatus | null = null;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly url: string,
    private readonly options: HlsPlayerOptions,
  ) {}

  start(): void {
    this.setStatus('loading');
    this.watchElement();
    if (prefersNativeHls(this.video)) this.startNative();
    else void this.startHlsJs();
  }

  /** After a tap: a user gesture lets playback start with sound. */
  resume(): void {
    this.play();
  }

  /**
   * How far behind real time the sound is, in ms (null: unknown yet). From the wall-clock
   * times the server writes into the playlists (EXT-X-PROGRAM-DATE-TIME) when it does; else
   * from hls.js's distance to the live edge plus one segment (the newest one had to be
   * complete before it was listed).
   */
  get delayMs(): number | null {
    let playing: number | null = null;
    if (this.hls) playing = this.hls.playingDate?.getTime() ?? null;
    else if (this.native) {
      // Safari's own: the date of the stream's start, from the same playlist tag.
      const start = (this.video as HTMLVideoElement & { getStartDate?: () => Date }).getStartDate?.().getTime();
      if (start !== undefined && Number.isFinite(start)) playing = start + this.video.currentTime * 1000;
    }
    if (playing !== null && Number.isFinite(playing)) return Math.max(0, Date.now() - playing);
    const latency = this.hls?.latency;
    const segment = this.hls?.latestLevelDetails?.targetduration ?? 1;
    return latency !== undefined && Number.isFinite(latency) && latency > 0 ? (latency + segment) * 1000 : null;
  }

  destroy(): void {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    for (const off of this.cleanups.splice(0)) off();
    this.hls?.destroy();
    this.hls = null;
    if (this.native) {
      this.video.removeAttribute('src');
      this.video.load();
    }
  }

  private async startHlsJs(): Promise<void> {
    const HlsJs = this.options.audioOnly ? ((await import('hls.js/light')).default as typeof Hls) : (await import('hls.js')).default;
    if (this.disposed) return;
    if (!HlsJs.isSupported()) {
      // No MSE (e.g. an old iPhone whose canPlayType said no): nothing else to try.
      if (this.video.canPlayType('application/vnd.apple.mpegurl')) this.startNative();
      else this.setStatus('unsupported');
      return;
    }
    const hls = new HlsJs(this.options.live ? (this.options.audioOnly ? LOW_DATA_CONFIG : LIVE_CONFIG) : VOD_CONFIG);
    this.hls = hls;
    hls.on(HlsJs.Events.MANIFEST_PARSED, () => {
      if (this.options.live || this.options.autoplay) this.play();
    });
    hls.on(HlsJs.Events.FRAG_BUFFERED, () => {
      this.restarts = 0;
    });
    hls.on(HlsJs.Events.ERROR, (_event, data: ErrorData) => {
      if (!data.fatal || this.hls !== hls) return;
      if (data.type === HlsJs.ErrorTypes.MEDIA_ERROR && this.mediaRecoveries < 3) {
        this.mediaRecoveries++;
        hls.recoverMediaError();
        return;
      }
      // The stream still missing after hls.js's own retries, the network gone, a decoder
      // failure it could not recover: start over, for as long as we are on screen.
      hls.destroy();
      this.hls = null;
      this.scheduleRestart(() => void this.startHlsJs());
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
  }

  private startNative(): void {
    this.native = true;
    const video = this.video;
    const onError = () => {
      if (this.disposed) return;
      video.removeAttribute('src');
      video.load();
      this.scheduleRestart(() => {
        video.src = this.url;
      });
    };
    const onLoaded = () => {
      this.restarts = 0;
      if (this.options.live || this.options.autoplay) this.play();
    };
    video.addEventListener('error', onError);
    video.addEventListener('loadedmetadata', onLoaded);
    this.cleanups.push(() => {
      video.removeEventListener('error', onError);
      video.removeEventListener('loadedmetadata', onLoaded);
    });
    video.src = this.url;
  }

  private scheduleRestart(run: () => void): void {
    this.setStatus('loading');
    const delay = Math.min(RESTART_MAX_MS, RESTART_MS * 2 ** Math.min(this.restarts, 4));
    this.restarts++;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.disposed) run();
    }, delay);
  }

  private play(): void {
    this.video.play().then(
      () => undefined,
      (err: unknown) => {
        // AbortError only means the source changed under us; NotAllowedError is the autoplay policy.
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.setStatus('blocked');
      },
    );
  }

  private watchElement(): void {
    const video = this.video;
    const on = (type: string, fn: () => void) => {
      video.addEventListener(type, fn);
      this.cleanups.push(() => video.removeEventListener(type, fn));
    };
    on('playing', () => this.setStatus('playing'));
    on('waiting', () => this.status !== 'loading' && this.setStatus('waiting'));
    on('pause', () => this.status !== 'blocked' && this.setStatus('paused'));
  }

  private setStatus(status: HlsStatus): void {
    if (this.disposed || this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }
}
