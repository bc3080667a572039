// Decides what the encoder's video input gets, frame by frame: the stage camera's VP8 frames,
// or the plain card while there is no camera (or it stalled). Both go into one VP8 stream, so
// the decoder's reference is whatever was written last. After a card, a camera's inter frame
// would be decoded against the card and show garbage until the camera's next keyframe, which
// a WebRTC sender only sends when asked. So after a card (or a lost write) the camera is
// held back until a keyframe, and the caller asks the source for one.

/** Without a camera the card comes this soon; with one, a stall must last this long first. */
export const NO_CAMERA_CARD_MS = 300;
/** A live camera that sends nothing this long is replaced by the card (a brief freeze shows as a freeze, not a flash). */
export const CAMERA_STALL_MS = 1000;
/** How often the card is repeated: the encoder's timeline needs frames to move. */
export const CARD_INTERVAL_MS = 200;

export type CameraVerdict =
  /** Write it: the decoder can decode it. */
  | 'write'
  /** Drop it: the camera is not shown (no source). */
  | 'drop'
  /** Drop it and ask the source for a keyframe: the decoder's reference is not this camera's. */
  | 'need-keyframe';

export class VideoFeed {
  private cameraOn = false;
  /** The last frame written was the camera's, so its inter frames decode. */
  private cameraIsReference = false;
  private lastCameraAt = -Infinity;
  private lastCardAt = -Infinity;
  cardsWritten = 0;
  cameraFramesWritten = 0;
  cameraFramesHeldBack = 0;

  /** Who the stage video shows changed: a new camera starts at a keyframe, none means the card. */
  source(showing: string | null): void {
    this.cameraOn = showing !== null;
    this.cameraIsReference = false;
  }

  /** A whole camera frame arrived: may it be written? The caller reports the write with `written`. */
  camera(keyframe: boolean, nowMs: number): CameraVerdict {
    if (!this.cameraOn) return 'drop';
    if (!this.cameraIsReference && !keyframe) {
      // Not shown, so it does not hold the card back either.
      this.cameraFramesHeldBack++;
      return 'need-keyframe';
    }
    this.lastCameraAt = nowMs;
    return 'write';
  }

  /** The camera frame was written (true) or dropped on the way, e.g. by a full pipe (false). */
  written(ok: boolean): void {
    this.cameraIsReference = ok;
    if (ok) this.cameraFramesWritten++;
  }

  /** Called every tick: true when the card should be written now. */
  cardDue(nowMs: number): boolean {
    const stall = this.cameraOn ? CAMERA_STALL_MS : NO_CAMERA_CARD_MS;
    if (nowMs - this.lastCameraAt <= stall || nowMs - this.lastCardAt < CARD_INTERVAL_MS) return false;
    this.lastCardAt = nowMs;
    this.cameraIsReference = false;
    this.cardsWritten++;
    return true;
  }
}
