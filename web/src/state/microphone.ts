// Keeps the microphone in line with what the server says about us: captured while we are
// on stage, released in the audience, and muted exactly when `you.muted` says so.
import type { MediaSession } from '../../../src/sdk/media-session.js';

export type MicState = 'off' | 'starting' | 'on' | 'denied';

const CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: false,
};

export class MicController {
  private media: MediaSession | null = null;
  private track: MediaStreamTrack | null = null;
  private wantOn = false;
  private muted = true;
  private acquiring = false;
  private denied = false;
  private disposed = false;
  private state: MicState = 'off';

  constructor(
    private readonly onStateChange: (state: MicState) => void,
    private readonly onError: (message: string) => void,
  ) {}

  /** A new MediaSession (first join or after a reconnect): give it our microphone. */
  attach(media: MediaSession): void {
    this.media = media;
    const track = this.track;
    if (!track) return;
    void media
      .setMuted(this.muted)
      .then(() => media.setMicrophone(track))
      .catch(() => undefined);
  }

  /** Called with every state message. */
  sync(onStage: boolean, muted: boolean): void {
    if (!onStage) this.denied = false;
    this.wantOn = onStage;
    if (muted !== this.muted) {
      this.muted = muted;
      if (this.track) this.track.enabled = !muted;
      void this.media?.setMuted(muted).catch(() => undefined);
    }
    this.reconcile();
  }

  /** After a refused permission prompt, try again (from a click on Unmute). */
  retry(): void {
    this.denied = false;
    this.reconcile();
  }

  get current(): MicState {
    return this.state;
  }

  dispose(): void {
    this.disposed = true;
    this.wantOn = false;
    this.track?.stop();
    this.track = null;
    this.media = null;
  }

  private reconcile(): void {
    if (this.disposed || this.acquiring) return;
    if (this.wantOn && !this.track && !this.denied) void this.acquire();
    else if (!this.wantOn && this.track) this.release();
  }

  private async acquire(): Promise<void> {
    this.acquiring = true;
    this.setState('starting');
    try {
      const stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
      const track = stream.getAudioTracks()[0];
      if (!track) throw new Error('no audio track');
      if (this.disposed || !this.wantOn) {
        track.stop();
        this.setState('off');
        return;
      }
      this.track = track;
      track.enabled = !this.muted;
      this.setState('on');
      const media = this.media;
      if (media) {
        await media.setMuted(this.muted);
        await media.setMicrophone(track);
      }
    } catch (err) {
      if (this.disposed) return;
      this.denied = true;
      this.setState('denied');
      const name = err instanceof DOMException ? err.name : '';
      this.onError(
        name === 'NotAllowedError'
          ? 'Microphone access is blocked. Allow it in your browser to talk.'
          : name === 'NotFoundError'
            ? 'No microphone found.'
            : "Couldn't start your microphone.",
      );
    } finally {
      this.acquiring = false;
      if (!this.disposed && this.wantOn !== (this.track !== null) && !this.denied) this.reconcile();
    }
  }

  private release(): void {
    const track = this.track;
    this.track = null;
    track?.stop();
    this.setState('off');
    void this.media?.setMicrophone(null).catch(() => undefined);
  }

  private setState(state: MicState): void {
    if (this.state === state) return;
    this.state = state;
    this.onStateChange(state);
  }
}
