// Plays the server's audio slots: one hidden <audio autoplay> per remote track.
export class RemoteAudio {
  private readonly elements = new Map<MediaStreamTrack, HTMLAudioElement>();
  private blocked = false;

  constructor(
    private readonly onBlockedChange: (blocked: boolean) => void,
    /**
     * A slot started carrying sound. Remote tracks stay muted until their first packet, and the
     * server sends packets only while someone talks, so this is "audio is really flowing".
     */
    private readonly onFlowing: () => void = () => undefined,
  ) {}

  add(track: MediaStreamTrack): void {
    if (track.kind !== 'audio' || this.elements.has(track)) return;
    const el = document.createElement('audio');
    el.autoplay = true;
    el.hidden = true;
    el.dataset.remoteAudio = track.id;
    el.srcObject = new MediaStream([track]);
    document.body.append(el);
    this.elements.set(track, el);
    track.addEventListener('ended', () => this.remove(track));
    if (track.muted) track.addEventListener('unmute', () => this.elements.has(track) && this.onFlowing(), { once: true });
    this.play(el);
  }

  /** After a tap: try every element again (a user gesture allows playback). */
  resume(): void {
    for (const el of this.elements.values()) this.play(el);
    if (this.elements.size === 0) this.setBlocked(false);
  }

  clear(): void {
    for (const track of [...this.elements.keys()]) this.remove(track);
  }

  private remove(track: MediaStreamTrack): void {
    const el = this.elements.get(track);
    if (!el) return;
    this.elements.delete(track);
    el.pause();
    el.srcObject = null;
    el.remove();
  }

  private play(el: HTMLAudioElement): void {
    el.play().then(
      () => this.setBlocked(false),
      (err: unknown) => {
        // AbortError only means the source changed; NotAllowedError is the autoplay policy.
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.setBlocked(true);
      },
    );
  }

  private setBlocked(blocked: boolean): void {
    if (this.blocked === blocked) return;
    this.blocked = blocked;
    this.onBlockedChange(blocked);
  }
}
