// The lifecycle of a room's egress: start it through the factory the composition root gave
// us, attach it as the room's tap while it runs, detach it when it stops or dies, and report
// each step. One egress per room; a second start while one runs or starts is ignored.
import type { EgressEvent, EgressFactory, EgressOptions, EgressTap, RoomTap } from './room-tap.js';

export class EgressRunner {
  private egress: EgressTap | null = null;
  private dir = '';
  /** Set while an egress is starting, so a second start does not race it. */
  private starting: EgressOptions | null = null;

  constructor(
    private readonly factory: EgressFactory | undefined,
    private readonly attach: (tap: RoomTap | null) => void,
    private readonly report: (event: EgressEvent) => void,
  ) {}

  start(options: EgressOptions): void {
    if (this.egress || this.starting) return;
    if (!this.factory) return this.report({ state: 'failed', dir: options.dir, error: 'no egress on this media plane' });
    this.starting = options;
    this.factory(options).then(
      (egress) => {
        const wanted = this.starting === options;
        this.starting = null;
        if (!wanted) return void egress.stop();
        this.egress = egress;
        this.dir = options.dir;
        this.attach(egress);
        egress.onExit((code, expected, detail) => {
          if (this.egress !== egress) return; // stopped by us: stop() reports it
          this.egress = null;
          this.attach(null);
          this.report(expected ? { state: 'stopped', dir: options.dir } : { state: 'failed', dir: options.dir, error: `encoder exited (${code}): ${detail.slice(-500)}` });
        });
        this.report({ state: 'running', startedAtMs: egress.startedAtMs, dir: options.dir });
      },
      (err: Error) => {
        this.starting = null;
        this.report({ state: 'failed', dir: options.dir, error: err.message });
      },
    );
  }

  /** Stops the running (or starting) egress; reports 'stopped' once it has exited. */
  stop(): void {
    const starting = this.starting;
    this.starting = null;
    if (starting) this.report({ state: 'stopped', dir: starting.dir });
    const egress = this.egress;
    if (!egress) return;
    const dir = this.dir;
    this.egress = null;
    this.attach(null);
    void egress.stop().then(() => this.report({ state: 'stopped', dir }));
  }
}
