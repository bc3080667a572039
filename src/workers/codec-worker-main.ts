// The codec worker process: every ffmpeg of the node runs here, as its child. It runs the
// HLS encoder of each Space that needs one (fed by the room's tap over the codec link) and
// turns H.264 WHIP cameras into VP8 for the media workers. This process never opens a media
// socket, so nothing it spawns can inherit one.
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { runWorker } from './worker-runtime.js';
import { codecCommandSchema, codecInitSchema, type CodecCommand, type CodecInit } from './codec-protocol.js';
import {
  encodeFrame,
  FLAG_KEYFRAME,
  FrameReader,
  TAP_AUDIO,
  TAP_KEYFRAME,
  TAP_SOURCE,
  TAP_VIDEO,
  TRANSCODE_CLOSE,
  TRANSCODE_EXIT,
  TRANSCODE_FRAME,
  TRANSCODE_OPEN,
  TRANSCODE_UNIT,
  type LinkFrame,
} from './codec-link.js';
import { EncoderRunner } from './encoder-runner.js';
import { LiveEncoder } from '../egress/live-encoder.js';
import { H264ToVp8 } from '../transcode/h264-to-vp8.js';

/** A media worker that stops reading gets no more than this queued; the rest is dropped. */
const MAX_WRITE_BACKLOG = 8 * 1024 * 1024;

class CodecWorker {
  private readonly encoders = new Map<string, EncoderRunner>();
  /** The media worker connection that taps each room: keyframe requests go back to it. */
  private readonly tapSource = new Map<string, Socket>();
  private readonly server: Server;
  private readonly connections = new Set<Socket>();

  constructor(
    private readonly init: CodecInit,
    private readonly log: Logger,
    private readonly send: (event: object) => void,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(): Promise<void> {
    rmSync(this.init.socketPath, { force: true });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.init.socketPath, () => resolve());
    });
  }

  handle(command: CodecCommand): void {
    switch (command.op) {
      case 'startEncoder':
        return this.runner(command.room).start(command.options);
      case 'stopEncoder': {
        const runner = this.encoders.get(command.room);
        if (!runner) return this.send({ ev: 'encoder', room: command.room, event: { state: 'stopped', dir: command.dir } });
        void runner.stop().finally(() => this.forgetIfIdle(command.room));
        return;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.encoders.values()].map((r) => r.stop()));
    for (const socket of this.connections) socket.destroy();
    this.server.close();
  }

  private runner(room: string): EncoderRunner {
    let runner = this.encoders.get(room);
    if (!runner) {
      runner = new EncoderRunner(
        (options) => LiveEncoder.start(options),
        () => {
          const socket = this.tapSource.get(room);
          if (socket) this.write(socket, encodeFrame(TAP_KEYFRAME, room));
        },
        (event) => {
          if (event.state === 'failed') this.log.warn({ room, error: event.error }, 'encoder failed');
          else this.log.info({ room, state: event.state }, 'encoder');
          this.send({ ev: 'encoder', room, event });
          if (event.state !== 'running') this.forgetIfIdle(room);
        },
      );
      this.encoders.set(room, runner);
    }
    return runner;
  }

  private forgetIfIdle(room: string): void {
    if (this.encoders.get(room)?.idle) {
      this.encoders.delete(room);
      this.tapSource.delete(room);
    }
  }

  /** One media worker: its tap frames and its transcoding sessions. */
  private accept(socket: Socket): void {
    this.connections.add(socket);
    const reader = new FrameReader();
    const transcoders = new Map<string, H264ToVp8>();
    const log = this.log.child({ link: this.connections.size });
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (frame) => this.onFrame(socket, frame, transcoders));
      } catch (err) {
        log.error({ err }, 'codec link broken: closing it');
        socket.destroy();
      }
    });
    socket.on('error', (err) => log.debug({ err }, 'codec link error'));
    socket.on('close', () => {
      this.connections.delete(socket);
      for (const t of transcoders.values()) t.close();
      transcoders.clear();
      for (const [room, s] of this.tapSource) if (s === socket) this.tapSource.delete(room);
    });
  }

  private onFrame(socket: Socket, frame: LinkFrame, transcoders: Map<string, H264ToVp8>): void {
    switch (frame.kind) {
      case TAP_AUDIO:
      case TAP_VIDEO:
      case TAP_SOURCE: {
        const tap = this.encoders.get(frame.id)?.tap;
        if (!tap) return;
        this.tapSource.set(frame.id, socket);
        if (frame.kind === TAP_AUDIO) tap.audio(frame.sub, frame.payload);
        else if (frame.kind === TAP_VIDEO) tap.video(frame.payload);
        else tap.videoSource(frame.sub === '' ? null : frame.sub);
        return;
      }
      case TRANSCODE_OPEN: {
        if (transcoders.has(frame.id)) return;
        const session = frame.id;
        const transcoder = new H264ToVp8(
          { ffmpegPath: this.init.ffmpegPath, ...this.init.transcode },
          (out) => this.write(socket, encodeFrame(TRANSCODE_FRAME, session, '', out.data, out.keyframe ? FLAG_KEYFRAME : 0)),
          (code) => {
            if (transcoders.get(session) !== transcoder) return;
            transcoders.delete(session);
            this.log.warn({ session, code }, 'transcoder exited');
            this.write(socket, encodeFrame(TRANSCODE_EXIT, session));
          },
        );
        transcoders.set(session, transcoder);
        return;
      }
      case TRANSCODE_UNIT:
        return transcoders.get(frame.id)?.push(frame.payload);
      case TRANSCODE_CLOSE: {
        const transcoder = transcoders.get(frame.id);
        transcoders.delete(frame.id);
        transcoder?.close();
        return;
      }
      default:
        this.log.warn({ kind: frame.kind }, 'unknown frame on the codec link');
    }
  }

  private write(socket: Socket, frame: Buffer): void {
    if (!socket.destroyed && socket.writableLength < MAX_WRITE_BACKLOG) socket.write(frame);
  }
}

runWorker({
  init: codecInitSchema,
  commands: codecCommandSchema,
  async start(init, log, send) {
    const worker = new CodecWorker(init, log, send);
    await worker.listen();
    log.info({ socket: init.socketPath }, 'codec worker listening');
    return { service: worker, ready: {} };
  },
});
