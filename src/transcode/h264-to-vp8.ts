// Turns an H.264 camera (OBS and most hardware encoders publish H.264 over WHIP) into VP8,
// the one video codec the room forwards and the HLS egress reads, so such a publisher is a
// stage member like any other: switched to, cached for NACK, recorded. ffmpeg decodes the
// Annex B access units on stdin and libvpx encodes in real time to IVF on stdout; frames come
// out as they are ready (no timestamps are needed: the caller stamps them on arrival).
import { spawn, type ChildProcess } from 'node:child_process';
import { IVF_FILE_HEADER_BYTES, IVF_FRAME_HEADER_BYTES, isVp8Keyframe } from '../codecs/ivf.js';

export interface TranscoderOptions {
  ffmpegPath: string;
  /** Target VP8 bitrate. */
  kbps: number;
  /** A keyframe at least this often: what a stage-video switch to this camera may wait. */
  keyframeSeconds: number;
}

export interface Vp8Output {
  data: Buffer;
  keyframe: boolean;
}

/** What a WHIP camera in H.264 becomes: VP8 at a broadcast's bitrate, a keyframe every second. */
export function h264Options(ffmpegPath: string): TranscoderOptions {
  return { ffmpegPath, kbps: 2500, keyframeSeconds: 1 };
}

/** More unread output than this means ffmpeg's reader is gone: drop it. */
const MAX_PENDING = 8 * 1024 * 1024;

export class H264ToVp8 {
  private readonly child: ChildProcess;
  private pending: Buffer = Buffer.alloc(0);
  private headerSeen = false;
  private closed = false;
  framesIn = 0;
  framesOut = 0;

  constructor(
    options: TranscoderOptions,
    private readonly onFrame: (frame: Vp8Output) => void,
    onExit: (code: number | null) => void = () => undefined,
  ) {
    const gop = String(Math.max(1, Math.round(30 * options.keyframeSeconds)));
    // prettier-ignore
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      // (Not -fflags nobuffer: with the raw H.264 demuxer it stops any frame from coming out.)
      '-flags', 'low_delay', '-probesize', '32', '-analyzeduration', '0',
      '-use_wallclock_as_timestamps', '1', '-f', 'h264', '-i', 'pipe:0',
      '-an', '-fps_mode', 'passthrough',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-threads', '2',
      '-b:v', `${options.kbps}k`, '-g', gop, '-keyint_min', gop,
      '-auto-alt-ref', '0', '-lag-in-frames', '0', '-error-resilient', '1',
      '-f', 'ivf', '-flush_packets', '1', 'pipe:1',
    ];
    // Its own process group (Ctrl-C is for the server to handle); it ends when its input closes.
    this.child = spawn(options.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    this.child.stdin!.on('error', () => undefined);
    this.child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
    this.child.on('exit', (code) => {
      this.closed = true;
      onExit(code);
    });
    // No ffmpeg on this machine: the camera stays dark, the process must not go down with it.
    this.child.on('error', () => {
      this.closed = true;
      onExit(null);
    });
  }

  /** One Annex B access unit. Dropped while ffmpeg is behind rather than queued without bound. */
  push(accessUnit: Buffer): void {
    if (this.closed || this.child.stdin!.writableLength > MAX_PENDING) return;
    this.framesIn++;
    this.child.stdin!.write(accessUnit);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin!.end();
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    kill.unref();
    this.child.once('exit', () => clearTimeout(kill));
  }

  private read(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.pending.length > MAX_PENDING) this.pending = Buffer.alloc(0);
    if (!this.headerSeen) {
      if (this.pending.length < IVF_FILE_HEADER_BYTES) return;
      this.pending = this.pending.subarray(IVF_FILE_HEADER_BYTES);
      this.headerSeen = true;
    }
    while (this.pending.length >= IVF_FRAME_HEADER_BYTES) {
      const size = this.pending.readUInt32LE(0);
      if (this.pending.length < IVF_FRAME_HEADER_BYTES + size) break;
      const data = Buffer.from(this.pending.subarray(IVF_FRAME_HEADER_BYTES, IVF_FRAME_HEADER_BYTES + size));
      this.pending = this.pending.subarray(IVF_FRAME_HEADER_BYTES + size);
      this.framesOut++;
      this.onFrame({ data, keyframe: isVp8Keyframe(data) });
    }
  }
}
