// The HLS egress's media side for one Space: a room tap that mixes the speakers, reassembles
// the stage video, and feeds both to ffmpeg on one clock. Audio is written in real time,
// 20 ms per tick (silence when nobody talks), so the output timeline is the wall clock; video
// frames are stamped with their arrival time on the same clock. While the stage video shows
// nobody (or the camera stalls), a plain card goes out a few times a second instead; VideoFeed
// decides which, and keeps camera inter frames from being decoded against the card.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { EncoderRunOptions, EncoderTap } from './encoding.js';
import { writeIvfFileHeader, writeIvfFrameHeader } from '../codecs/ivf.js';
import { AudioMixer, FRAME_SAMPLES, SAMPLE_RATE } from './audio-mixer.js';
import { Vp8FrameAssembler } from './vp8-frame-assembler.js';
import { RtpReorderBuffer } from './rtp-reorder.js';
import { idleFrame } from './idle-frame.js';
import { VideoFeed } from './video-feed.js';
import { spawnFfmpegHls, type FfmpegHls } from './ffmpeg-hls.js';

const TICK_MS = 20;
/** If ffmpeg falls this far behind, drop input rather than grow without bound. */
const MAX_PIPE_BACKLOG = 8 * 1024 * 1024;
/** When ffmpeg does not exit after its inputs close, kill it. */
const EXIT_TIMEOUT_MS = 5000;

export interface LiveEncoderEvents {
  /** ffmpeg exited; `expected` is false when it died on its own. */
  exit: [code: number | null, expected: boolean, stderrTail: string];
}

export interface LiveEncoderStats {
  mixedTicks: number;
  videoFrames: number;
  idleFrames: number;
  /** Camera frames not written because the decoder's reference was not the camera's (after the card). */
  heldBackFrames: number;
  droppedWrites: number;
  audioPacketsIn: number;
  decodeErrors: number;
}

export class LiveEncoder extends EventEmitter<LiveEncoderEvents> implements EncoderTap {
  private readonly mixer = new AudioMixer();
  private readonly assembler = new Vp8FrameAssembler();
  private readonly reorder = new RtpReorderBuffer();
  private readonly t0 = performance.now();
  private samplesWritten = 0;
  private lastVideoPts = -1;
  private readonly feed = new VideoFeed();
  private controls: { requestKeyframe(): void } | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private stopping = false;
  private exited = false;
  readonly stats: LiveEncoderStats = {
    mixedTicks: 0,
    videoFrames: 0,
    idleFrames: 0,
    heldBackFrames: 0,
    droppedWrites: 0,
    audioPacketsIn: 0,
    decodeErrors: 0,
  };
  /** Wall-clock time (ms since the epoch) of media time 0, for mapping segments to moments. */
  readonly startedAtMs = Date.now();

  private constructor(
    private readonly ff: FfmpegHls,
    private readonly idle: Buffer,
  ) {
    super();
    ff.process.on('exit', (code) => {
      this.exited = true;
      clearInterval(this.timer);
      this.mixer.close();
      this.emit('exit', code, this.stopping, ff.stderrTail());
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  static async start(options: EncoderRunOptions): Promise<LiveEncoder> {
    mkdirSync(options.dir, { recursive: true });
    const idle = await idleFrame(options.ffmpegPath, options.width, options.height);
    const ff = spawnFfmpegHls(options);
    ff.videoIn.write(writeIvfFileHeader({ fourcc: 'VP80', width: options.width, height: options.height, timebaseDen: 1000, timebaseNum: 1, frameCount: 0 }));
    return new LiveEncoder(ff, idle);
  }

  onExit(listener: (code: number | null, expected: boolean, detail: string) => void): void {
    this.once('exit', listener);
  }

  get pid(): number | undefined {
    return this.ff.process.pid;
  }

  audio(participantId: string, packet: Buffer): void {
    this.mixer.push(participantId, packet, Date.now());
  }

  attach(controls: { requestKeyframe(): void }): void {
    this.controls = controls;
  }

  video(packet: Buffer): void {
    for (const p of this.reorder.push(packet, performance.now())) this.assemble(p);
  }

  private assemble(packet: Buffer): void {
    const frame = this.assembler.push(packet);
    // Lost a packet: nothing decodes until a keyframe, and a WebRTC sender sends one only when asked.
    if (this.assembler.waitingForKeyframe) this.controls?.requestKeyframe();
    if (!frame) return;
    const verdict = this.feed.camera(frame.keyframe, performance.now());
    if (verdict === 'need-keyframe') this.controls?.requestKeyframe();
    if (verdict !== 'write') return;
    this.feed.written(this.writeVideo(frame.data));
  }

  videoSource(participantId: string | null): void {
    this.feed.source(participantId);
  }

  /** Closes ffmpeg's inputs so it finishes its last segments, and resolves when it has exited. */
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.stopping = true;
    clearInterval(this.timer);
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.ff.process.kill('SIGKILL'), EXIT_TIMEOUT_MS);
      this.ff.process.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      this.ff.audioIn.end();
      this.ff.videoIn.end();
    });
  }

  private tick(): void {
    if (this.exited) return;
    const now = performance.now();
    for (const p of this.reorder.poll(now)) this.assemble(p);
    const due = Math.floor(((now - this.t0) * SAMPLE_RATE) / 1000);
    // Catch up whole frames after a stall of the event loop, so audio stays on the wall clock.
    while (this.samplesWritten + FRAME_SAMPLES <= due) {
      this.write(this.ff.audioIn, this.mixer.mix(Date.now()));
      this.samplesWritten += FRAME_SAMPLES;
      this.stats.mixedTicks++;
    }
    this.stats.audioPacketsIn = this.mixer.packetsIn;
    this.stats.decodeErrors = this.mixer.decodeErrors;
    if (this.feed.cardDue(now)) this.writeVideo(this.idle);
    this.stats.videoFrames = this.feed.cameraFramesWritten;
    this.stats.idleFrames = this.feed.cardsWritten;
    this.stats.heldBackFrames = this.feed.cameraFramesHeldBack;
  }

  /** False when the frame was dropped (ffmpeg is too far behind). */
  private writeVideo(data: Buffer): boolean {
    // Strictly increasing pts, in ms of the same clock as the audio.
    const pts = Math.max(this.lastVideoPts + 1, Math.round(performance.now() - this.t0));
    this.lastVideoPts = pts;
    return this.write(this.ff.videoIn, Buffer.concat([writeIvfFrameHeader(data.length, pts), data]));
  }

  private write(pipe: NodeJS.WritableStream & { writableLength: number }, buf: Buffer): boolean {
    if (pipe.writableLength > MAX_PIPE_BACKLOG) {
      this.stats.droppedWrites++;
      return false;
    }
    pipe.write(buf);
    return true;
  }
}
