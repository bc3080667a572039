// The lifecycle of one room's HLS encoder in the codec worker: start it, feed it what the
// room's tap sends over the link while it runs, forget it when it stops or dies, and report
// each step. One encoder per room; a second start while one runs or starts is ignored.
import type { EncoderEvent, EncoderRunOptions, EncoderTap } from '../egress/encoding.js';
import type { RoomTap } from '../media/room/room-tap.js';

export type EncoderFactory = (options: EncoderRunOptions) => Promise<EncoderTap>;

export class EncoderRunner {
  private encoder: EncoderTap | null = null;
  private dir = '';
  /** Set while an encoder is starting, so a second start does not race it. */
  private starting: EncoderRunOptions | null = null;

  constructor(
    private readonly factory: EncoderFactory,
    /** Keyframe requests of the running encoder, for the stage video's source. */
    private readonly requestKeyframe: () => void,
    private readonly report: (event: EncoderEvent) => void,
  ) {}

  /** What the room's tap sends goes here while an encoder runs. */
  get tap(): RoomTap | null {
    return this.encoder;
  }

  get idle(): boolean {
    return this.encoder === null && this.starting === null;
  }

  start(options: EncoderRunOptions): void {
    if (this.encoder || this.starting) return;
    this.starting = options;
    this.factory(options).then(
      (encoder) => {
        const wanted = this.starting === options;
        this.starting = null;
        if (!wanted) return void encoder.stop();
        this.encoder = encoder;
        this.dir = options.dir;
        encoder.attach?.({ requestKeyframe: this.requestKeyframe });
        encoder.onExit((code, expected, detail) => {
          if (this.encoder !== encoder) return; // stopped by us: stop() reports it
          this.encoder = null;
          this.report(
            expected ? { state: 'stopped', dir: options.dir } : { state: 'failed', dir: options.dir, error: `encoder exited (${code}): ${detail.slice(-500)}` },
          );
        });
        this.report({ state: 'running', startedAtMs: encoder.startedAtMs, dir: options.dir });
      },
      (err: Error) => {
        this.starting = null;
        this.report({ state: 'failed', dir: options.dir, error: err.message });
      },
    );
  }

  /** Stops the running (or starting) encoder; reports 'stopped' once it has exited. */
  stop(): Promise<void> {
    const starting = this.starting;
    this.starting = null;
    if (starting) this.report({ state: 'stopped', dir: starting.dir });
    const encoder = this.encoder;
    if (!encoder) return Promise.resolve();
    const dir = this.dir;
    this.encoder = null;
    return encoder.stop().then(() => this.report({ state: 'stopped', dir }));
  }
}
