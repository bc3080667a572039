// Your own camera while you are on stage: captured when you turn it on, attached to the
// MediaSession's camera slot, announced to the server with `setCamera`, and released when
// you turn it off, leave the stage, or the server says it is off (it resets `camera` when a
// person leaves the stage).
import type { Action } from '../../../src/protocol/messages.js';
import type { CameraProfile, MediaSession } from '../../../src/sdk/media-session.js';

export type CameraState = 'off' | 'starting' | 'on' | 'stopping';

/** 720p30: the full-size layer; the MediaSession sends a ¼-size layer of the same track besides. */
export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: false,
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } },
};

export class CameraController {
  private media: MediaSession | null = null;
  private track: MediaStreamTrack | null = null;
  private state: CameraState = 'off';
  private profile: CameraProfile = 'standard';
  private disposed = false;
  /** Bumped by every turn on/off, so a slow getUserMedia that lost the race cleans up after itself. */
  private generation = 0;

  constructor(
    /** Sends an action to the server; resolves true when it was accepted. */
    private readonly act: (action: Action) => Promise<boolean>,
    private readonly onChange: (state: CameraState, track: MediaStreamTrack | null) => void,
    private readonly onError: (message: string) => void,
  ) {}

  get current(): CameraState {
    return this.state;
  }

  get localTrack(): MediaStreamTrack | null {
    return this.track;
  }

  /** A new MediaSession (first join or after a reconnect): give it our camera, if it is on. */
  attach(media: MediaSession): void {
    this.media = media;
    if (this.track) void media.setCamera(this.track, this.profile).catch(() => undefined);
  }

  /** 'broadcast' for the host of a broadcast: more bits for the one picture everybody watches. */
  setProfile(profile: CameraProfile): void {
    if (this.profile === profile) return;
    this.profile = profile;
    if (this.track) void this.media?.setCamera(this.track, profile).catch(() => undefined);
  }

  /**
   * Called with every state message. While we are busy turning it on or off, the server's
   * view lags ours; after that, the server is right: off the stage, or `camera: false`
   * (a host moved us to the audience, or we reconnected after the grace period), means off.
   */
  sync(onStage: boolean, cameraOn: boolean): void {
    if (this.disposed || this.state === 'starting' || this.state === 'stopping') return;
    if (this.track && (!onStage || !cameraOn)) this.release();
  }

  async turnOn(): Promise<void> {
    if (this.disposed || this.state !== 'off') return;
    const gen = ++this.generation;
    this.setState('starting');
    let track: MediaStreamTrack | null = null;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(CAMERA_CONSTRAINTS);
      track = stream.getVideoTracks()[0] ?? null;
      if (!track) throw new Error('no video track');
    } catch (err) {
      if (this.disposed || gen !== this.generation) return;
      this.setState('off');
      const name = err instanceof DOMException ? err.name : '';
      this.onError(
        name === 'NotAllowedError'
          ? 'Camera access is blocked. Allow it in your browser to turn your camera on.'
          : name === 'NotFoundError'
            ? 'No camera found.'
            : "Couldn't start your camera.",
      );
      return;
    }
    if (this.disposed || gen !== this.generation) {
      track.stop();
      return;
    }
    track.contentHint = 'motion';
    this.track = track;
    track.addEventListener('ended', () => {
      // The device went away (unplugged, or revoked): tell everyone the camera is off.
      if (this.track === track) void this.turnOff();
    });
    // Show the preview at once; the server starts showing us once it has our first keyframe.
    this.setState('starting');
    try {
      await this.media?.setCamera(track, this.profile);
    } catch {
      // The renegotiation failed (a drop); a reconnect attaches the camera again.
    }
    if (this.disposed || gen !== this.generation) return;
    const accepted = await this.act({ action: 'setCamera', on: true });
    if (this.disposed || gen !== this.generation) return;
    if (!accepted) {
      this.release();
      return;
    }
    this.setState('on');
  }

  async turnOff(): Promise<void> {
    if (this.disposed || this.state === 'off' || this.state === 'stopping') return;
    const wasStarting = this.state === 'starting';
    const gen = ++this.generation;
    this.setState('stopping');
    // Off for everyone first, so nobody is left looking at a frozen last frame.
    if (!wasStarting || this.track) await this.act({ action: 'setCamera', on: false });
    if (this.disposed || gen !== this.generation) return;
    this.release();
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.track?.stop();
    this.track = null;
    this.media = null;
  }

  private release(): void {
    const track = this.track;
    this.track = null;
    this.setState('off');
    void this.media?.setCamera(null).catch(() => undefined);
    track?.stop();
  }

  private setState(state: CameraState): void {
    this.state = state;
    this.onChange(state, this.track);
  }
}
