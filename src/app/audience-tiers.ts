// How many WebRTC peers this node takes before listeners go to HLS. Everyone on stage is
// always on WebRTC (they must talk); listeners take a WebRTC place while there is one.
export class AudienceTiers {
  private webrtc = 0;

  constructor(
    /** WebRTC peers this node serves; beyond it, new listeners get HLS. */
    readonly capacity: number,
    /** Whether this node serves HLS at all (if not, listeners beyond capacity are still admitted). */
    readonly hlsEnabled: boolean,
    /** Peers this node serves for other nodes' Spaces (it is their edge): they hold places too. */
    private readonly borrowed: () => number = () => 0,
  ) {}

  get webrtcPeers(): number {
    return this.webrtc;
  }

  /** A listener asks for a WebRTC place: true if the node has one (and takes it). */
  admitListener(): boolean {
    if (this.hlsEnabled && this.webrtc + this.borrowed() >= this.capacity) return false;
    this.webrtc++;
    return true;
  }

  /** Stage members are admitted regardless of capacity. */
  admitStage(): void {
    this.webrtc++;
  }

  release(): void {
    this.webrtc = Math.max(0, this.webrtc - 1);
  }
}
