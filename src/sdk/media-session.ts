// The client side of a participant's single PeerConnection, on the standard WebRTC API
// (browsers, and @roamhq/wrtc in Node). The server always offers: one receive-only "mic"
// m-line for our microphone, and stable send slots that carry whoever is talking on stage.
// We only answer, so there is never glare.
// The PeerConnection is built on the server's first offer, not before: a listener the server
// puts on the HLS tier gets no offer and so has no PeerConnection at all. A switch to HLS
// closes it (the server tore its side down); a switch back comes with a fresh offer, which
// builds a fresh one, exactly as on a new join.
import type { SignallingClient } from './signalling.js';
import type { IceServerConfig } from '../protocol/messages.js';

export const MIC_MID = 'mic';
export const CAM_MID = 'cam';
/** The camera's low layer, for viewers on poor links: the same track, scaled down. */
export const CAM_LOW_MID = 'caml';
const LOW_LAYER: RTCRtpEncodingParameters = { scaleResolutionDownBy: 4, maxBitrate: 150_000, maxFramerate: 30 };
/**
 * The full-size layer: the camera as captured (1280x720 at 30 fps is what the web app asks
 * for), never scaled down by us. A broadcast ("Go live") is the one picture everybody watches,
 * so it may use more bits; the server's REMB still caps it at what its viewers can take.
 */
const HIGH_LAYERS: Record<CameraProfile, RTCRtpEncodingParameters> = {
  standard: { scaleResolutionDownBy: 1, maxBitrate: 1_500_000, maxFramerate: 30 },
  broadcast: { scaleResolutionDownBy: 1, maxBitrate: 2_500_000, maxFramerate: 30 },
};

/** 'broadcast': the host's camera of a broadcast, at a higher bitrate for its 720p. */
export type CameraProfile = 'standard' | 'broadcast';
/** The one stage-video slot: the server switches which camera it carries. */
export const STAGE_VIDEO_MID = 'v0';

export interface MediaSessionOptions {
  signalling: SignallingClient;
  iceServers: IceServerConfig[];
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** Called for each remote track: audio slots (play them all) and the stage video (mid "v0"). */
  onRemoteTrack?: (track: MediaStreamTrack, mid: string | null) => void;
  onConnectionState?: (state: RTCPeerConnectionState) => void;
}

export class MediaSession {
  /** The PeerConnection of the server's latest offer; null before the first offer and on the HLS tier. */
  private current: RTCPeerConnection | null = null;
  private mic: MediaStreamTrack | null = null;
  private camera: MediaStreamTrack | null = null;
  private cameraProfile: CameraProfile = 'standard';
  private muted = false;
  private offers: Promise<void> = Promise.resolve();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly options: MediaSessionOptions) {
    this.unsubscribe.push(
      // After a reconnect the server starts a fresh PeerConnection for us (new ICE and DTLS)
      // with its next offer, so the old one goes; the microphone and camera carry over.
      options.signalling.on('welcome', () => {
        this.offers = this.offers.then(() => this.dropPeer());
      }),
      // On the HLS tier the server keeps no peer for us. Queued like offers, so an answer in
      // progress finishes on the old connection before it closes.
      options.signalling.on('tier', (msg) => {
        if (msg.tier === 'hls') this.offers = this.offers.then(() => this.dropPeer());
      }),
      options.signalling.on('offer', (msg) => {
        // Offers are applied strictly in order; a failure must not wedge the queue. A fresh offer
        // comes from a new server-side PeerConnection (its media worker restarted, say): ours goes.
        this.offers = this.offers
          .then(() => {
            if (msg.fresh) this.dropPeer();
            return this.answer(msg.sdp);
          })
          .catch(() => undefined);
      }),
      options.signalling.on('candidate', (msg) => {
        // After the answer we are working on, so the remote description is in place. Candidates
        // for a connection we already dropped have nowhere to go.
        this.offers = this.offers.then(() => this.current?.addIceCandidate({ candidate: msg.candidate, sdpMid: msg.mid })).catch(() => undefined);
      }),
    );
  }

  /** The current PeerConnection: null before the server's first offer and while on the HLS tier. */
  get peerConnection(): RTCPeerConnection | null {
    return this.current;
  }

  /**
   * The current PeerConnection, for callers that only read its stats; one is created (and
   * used by the next offer) if there is none yet. Prefer `peerConnection`, which never creates.
   */
  get pc(): RTCPeerConnection {
    return (this.current ??= this.createPeerConnection());
  }

  private dropPeer(): void {
    this.current?.close();
    this.current = null;
  }

  private createPeerConnection(): RTCPeerConnection {
    const config: RTCConfiguration = { iceServers: this.options.iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };
    const pc = this.options.createPeerConnection ? this.options.createPeerConnection(config) : new RTCPeerConnection(config);
    pc.onicecandidate = (ev) => {
      if (ev.candidate && ev.candidate.candidate) this.options.signalling.sendCandidate(ev.candidate.candidate, ev.candidate.sdpMid ?? '0');
    };
    pc.ontrack = (ev) => this.options.onRemoteTrack?.(ev.track, ev.transceiver?.mid ?? null);
    pc.onconnectionstatechange = () => this.options.onConnectionState?.(pc.connectionState);
    return pc;
  }

  /** Attaches (or with null, detaches) the microphone. Changing whether we send needs a new offer. */
  async setMicrophone(track: MediaStreamTrack | null): Promise<void> {
    const wasSending = this.mic !== null;
    this.mic = track;
    const transceiver = this.micTransceiver();
    if (transceiver) await transceiver.sender.replaceTrack(this.muted ? null : track);
    if (wasSending !== (track !== null)) await this.options.signalling.renegotiate();
  }

  /**
   * Attaches (or with null, detaches) the camera; like the microphone, sending or not needs a
   * new offer. `profile` sets the full-size layer's bitrate (the low layer is always ¼ size).
   */
  async setCamera(track: MediaStreamTrack | null, profile: CameraProfile = this.cameraProfile): Promise<void> {
    const wasSending = this.camera !== null;
    const reprofile = profile !== this.cameraProfile;
    this.camera = track;
    this.cameraProfile = profile;
    for (const mid of [CAM_MID, CAM_LOW_MID]) await this.transceiver(mid)?.sender.replaceTrack(track);
    if (wasSending !== (track !== null)) await this.options.signalling.renegotiate();
    else if (track && reprofile) await this.applyEncoding(CAM_MID, HIGH_LAYERS[profile]);
  }

  get cameraTrack(): MediaStreamTrack | null {
    return this.camera;
  }

  /** Muting stops packets at the source; no renegotiation is needed either way. */
  async setMuted(muted: boolean): Promise<void> {
    this.muted = muted;
    const transceiver = this.micTransceiver();
    if (transceiver) await transceiver.sender.replaceTrack(muted || !this.mic ? null : this.mic);
  }

  get microphone(): MediaStreamTrack | null {
    return this.mic;
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.dropPeer();
  }

  private micTransceiver(): RTCRtpTransceiver | undefined {
    return this.transceiver(MIC_MID);
  }

  /** Sets one layer's encoding (size and bitrate); browsers without setParameters just send full size. */
  private async applyEncoding(mid: string, encoding: RTCRtpEncodingParameters): Promise<void> {
    const sender = this.transceiver(mid)?.sender;
    if (!sender || typeof sender.getParameters !== 'function') return;
    try {
      const params = sender.getParameters();
      if (!params.encodings || params.encodings.length === 0) params.encodings = [{}];
      Object.assign(params.encodings[0]!, encoding);
      await sender.setParameters(params);
    } catch {
      // Not fatal: the layer is sent at full size.
    }
  }

  private transceiver(mid: string): RTCRtpTransceiver | undefined {
    return this.current?.getTransceivers().find((t) => t.mid === mid);
  }

  private async answer(sdp: string): Promise<void> {
    // The first offer after a join, a reconnect or a move off the HLS tier builds the connection.
    const pc = (this.current ??= this.createPeerConnection());
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const transceiver = this.micTransceiver();
    if (transceiver) {
      transceiver.direction = this.mic ? 'sendonly' : 'inactive';
      await transceiver.sender.replaceTrack(this.mic && !this.muted ? this.mic : null);
    }
    for (const mid of [CAM_MID, CAM_LOW_MID]) {
      const cam = this.transceiver(mid);
      if (!cam) continue;
      cam.direction = this.camera ? 'sendonly' : 'inactive';
      await cam.sender.replaceTrack(this.camera);
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (this.camera) {
      await this.applyEncoding(CAM_MID, HIGH_LAYERS[this.cameraProfile]);
      await this.applyEncoding(CAM_LOW_MID, LOW_LAYER);
    }
    await this.options.signalling.sendAnswer(pc.localDescription!.sdp);
  }
}
