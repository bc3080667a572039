// The browser's side of a live session: the peer connection (a fresh MediaSession for every
// join), the remote audio, the microphone and the camera, kept in line with what the server
// says of you. Its own slice holds what the page shows of them, apart from the session's
// slices, since tracks and device states change on their own schedule.
import type { PersonView, SpaceSnapshot } from '../../../../src/protocol/messages.js';
import { MediaSession, STAGE_VIDEO_MID } from '../../../../src/sdk/media-session.js';
import type { SignallingClient } from '../../../../src/sdk/signalling.js';
import { isOnStage } from '../../lib/menus.js';
import { CameraController, type CameraState } from '../camera.js';
import { MicController, type MicState } from '../microphone.js';
import { RemoteAudio } from '../remoteAudio.js';
import { Slice } from './slice.js';
import type { MediaHost, SessionMedia, WelcomeMessage } from './types.js';

export interface MediaView {
  mic: MicState;
  camera: CameraState;
  /** Your own camera while it is on, for the preview. */
  cameraTrack: MediaStreamTrack | null;
  /** The remote stage-video track (mid "v0"); one for the whole Space. */
  stageTrack: MediaStreamTrack | null;
  /** The browser would not play audio before a tap. */
  audioBlocked: boolean;
}

const NO_MEDIA: MediaView = { mic: 'off', camera: 'off', cameraTrack: null, stageTrack: null, audioBlocked: false };

/** What one connection attempt holds; replaced on the next, so late callbacks of the old one change nothing. */
interface Run {
  client: SignallingClient;
  audio: RemoteAudio;
  mic: MicController;
  camera: CameraController;
  peer: MediaSession | null;
  stopped: boolean;
  /** On stage with the microphone unmuted, as the last state said. */
  live: boolean;
}

export class BrowserSessionMedia implements SessionMedia {
  readonly view = new Slice<MediaView>(NO_MEDIA);
  private run: Run | null = null;

  constructor(private readonly host: MediaHost) {}

  begin(client: SignallingClient): void {
    this.stop();
    const live = () => this.run === run && !run.stopped;
    const onError = (text: string) => live() && this.host.notify(text, 'error');
    const run: Run = {
      client,
      audio: new RemoteAudio(
        (audioBlocked) => live() && this.patch({ audioBlocked }),
        () => void whenAudioPlays(() => run.peer?.peerConnection ?? null).then(() => live() && this.host.webrtcAudioPlaying()),
      ),
      mic: new MicController((mic) => {
        if (!live()) return;
        this.patch({ mic });
        // Unmuted with no microphone to send: say so to everyone (they would see an open mic
        // and hear nothing). Unmute, once it is allowed, asks for the microphone again.
        if (mic === 'denied' && run.live) void this.host.act({ action: 'setMicMuted', muted: true });
      }, onError),
      camera: new CameraController(
        (action) => this.host.act(action),
        (camera, cameraTrack) => live() && this.patch({ camera, cameraTrack }),
        onError,
      ),
      peer: null,
      stopped: false,
      live: false,
    };
    this.run = run;
    // A fresh microphone and speakers: nothing of the previous attempt's states stands.
    this.patch({ mic: 'off', audioBlocked: false });
  }

  joined(welcome: WelcomeMessage): void {
    const run = this.run;
    if (!run || run.stopped) return;
    run.peer?.close();
    run.audio.clear();
    this.patch({ stageTrack: null });
    const peer = new MediaSession({
      signalling: run.client,
      iceServers: welcome.iceServers,
      onRemoteTrack: (track, mid) => {
        if (run.peer !== peer || run.stopped) return;
        if (track.kind === 'video') {
          // The one stage-video slot; any other video m-line is not ours to show.
          if (mid === STAGE_VIDEO_MID || mid === null) this.patch({ stageTrack: track });
        } else {
          run.audio.add(track);
        }
      },
      onConnectionState: (state) => run.peer === peer && !run.stopped && this.host.peerConnectionState(state),
    });
    run.peer = peer;
    run.mic.attach(peer);
    run.camera.attach(peer);
  }

  state(space: SpaceSnapshot, you: PersonView | null): void {
    const run = this.run;
    if (!run || run.stopped) return;
    const onStage = space.state === 'live' && isOnStage(you?.role);
    // The host of a broadcast sends the one picture everybody watches: more bits for it.
    run.camera.setProfile(space.kind === 'broadcast' && you?.role === 'host' ? 'broadcast' : 'standard');
    run.live = onStage && you?.muted === false;
    run.mic.sync(onStage, you?.muted ?? true);
    run.camera.sync(onStage, you?.camera ?? false);
  }

  hls(): void {
    this.run?.audio.clear();
    this.patch({ stageTrack: null });
  }

  stop(): void {
    const run = this.run;
    if (!run || run.stopped) return;
    run.stopped = true;
    run.mic.dispose();
    run.camera.dispose();
    run.audio.clear();
    run.peer?.close();
    run.peer = null;
    this.patch({ camera: 'off', cameraTrack: null, stageTrack: null });
  }

  readonly setCamera = (on: boolean): void => {
    const run = this.run;
    if (!run || run.stopped) return;
    void (on ? run.camera.turnOn() : run.camera.turnOff());
  };

  readonly resumeAudio = (): void => this.run?.audio.resume();
  readonly retryMic = (): void => this.run?.mic.retry();

  private patch(change: Partial<MediaView>): void {
    this.view.update((v) => {
      for (const key of Object.keys(change) as Array<keyof MediaView>) if (change[key] !== v[key]) return { ...v, ...change };
      return v;
    });
  }
}

/**
 * A remote track unmutes on its first packet, but sound comes out only once the jitter buffer
 * has filled: HLS keeps playing until the receiver reports samples played out (at most 2 s).
 */
async function whenAudioPlays(pc: () => RTCPeerConnection | null): Promise<void> {
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    const conn = pc();
    if (!conn) return;
    let played = false;
    try {
      (await conn.getStats()).forEach((s: { type: string; kind?: string; totalSamplesReceived?: number; bytesReceived?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && (s.totalSamplesReceived ?? 0) > 0 && (s.bytesReceived ?? 0) > 0) played = true;
      });
    } catch {
      return;
    }
    if (played) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
