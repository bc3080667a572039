// The media worker's end of the codec link: one connection to the codec worker, made again
// (with backoff) whenever it drops, say because the codec worker restarted. Rooms tap through
// it (LinkTap) and WHIP's H.264 cameras are transcoded through it (the H264Transcoder it
// makes). While the link is down, what would go over it is dropped: an encoder keeps writing
// silence and its card, and a transcoding session ends as if its ffmpeg had exited.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
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
import type { RoomTap } from '../media/room/room-tap.js';
import type { H264Transcoder } from '../media/transport/ingest-peer.js';

const RECONNECT_DELAYS_MS = [50, 100, 250, 500, 1000];
/** Beyond this much unsent data the codec worker is not keeping up: drop rather than queue. */
const MAX_WRITE_BACKLOG = 4 * 1024 * 1024;

interface TranscodeSession {
  onFrame(frame: { data: Buffer; keyframe: boolean }): void;
  /** A fresh ffmpeg took over (after the link or the old one dropped): it needs a keyframe to start. */
  onRestart(): void;
  /** Reopenings in the last minute, so a transcoder that keeps dying is left dark. */
  reopenedAt: number[];
}

/** An ffmpeg that dies this often in a minute is not worth restarting: its input kills it. */
const MAX_REOPENS_PER_MINUTE = 3;

export class CodecLinkClient {
  private socket: Socket | null = null;
  private connected = false;
  private closed = false;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Each tapping room's way to ask its stage-video source for a keyframe. */
  private readonly keyframeRequests = new Map<string, () => void>();
  /** Whose camera each tapping room's stage video shows: told again after a reconnect. */
  private readonly videoSources = new Map<string, string>();
  private readonly sessions = new Map<string, TranscodeSession>();
  /** Frames not sent because the link was down or behind. */
  dropped = 0;

  constructor(
    private readonly socketPath: string,
    private readonly log: Logger,
  ) {
    this.open();
  }

  /** A tap for `room` that sends what it hears over the link. */
  tap(room: string): RoomTap {
    return {
      audio: (participantId, packet) => this.write(encodeFrame(TAP_AUDIO, room, participantId, packet)),
      video: (packet) => this.write(encodeFrame(TAP_VIDEO, room, '', packet)),
      videoSource: (participantId) => {
        this.videoSources.set(room, participantId ?? '');
        this.write(encodeFrame(TAP_SOURCE, room, participantId ?? ''));
      },
      attach: (controls) => this.keyframeRequests.set(room, controls.requestKeyframe),
    };
  }

  /** The room no longer taps (its encoder stopped, or it closed). */
  untap(room: string): void {
    this.keyframeRequests.delete(room);
    this.videoSources.delete(room);
  }

  /** Makes H.264 -> VP8 transcoders that run in the codec worker. */
  readonly transcoder: H264Transcoder = ({ onFrame, onRestart }) => {
    const id = randomBytes(9).toString('base64url');
    this.sessions.set(id, { onFrame, onRestart, reopenedAt: [] });
    if (this.connected) this.write(encodeFrame(TRANSCODE_OPEN, id));
    return {
      push: (accessUnit) => {
        if (this.sessions.has(id)) this.write(encodeFrame(TRANSCODE_UNIT, id, '', accessUnit));
      },
      close: () => {
        if (this.sessions.delete(id)) this.write(encodeFrame(TRANSCODE_CLOSE, id));
      },
    };
  };

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): void {
    if (this.closed) return;
    const socket = connect(this.socketPath);
    this.socket = socket;
    const reader = new FrameReader();
    socket.on('connect', () => {
      this.connected = true;
      this.attempt = 0;
      this.log.info({ transcoding: this.sessions.size }, 'codec link connected');
      // Sessions that lived in the previous codec worker start again on this one.
      for (const id of this.sessions.keys()) this.reopen(id);
      for (const [room, source] of this.videoSources) this.write(encodeFrame(TAP_SOURCE, room, source));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (frame) => this.onFrame(frame));
      } catch (err) {
        this.log.error({ err }, 'codec link broken: reconnecting');
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.log.debug({ err }, 'codec link error'));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = null;
      if (wasConnected) this.log.warn('codec link lost');
      if (this.closed) return;
      const delay = RECONNECT_DELAYS_MS[Math.min(this.attempt++, RECONNECT_DELAYS_MS.length - 1)]!;
      this.timer = setTimeout(() => this.open(), delay);
      this.timer.unref();
    });
  }

  private onFrame(frame: LinkFrame): void {
    switch (frame.kind) {
      case TAP_KEYFRAME:
        return this.keyframeRequests.get(frame.id)?.();
      case TRANSCODE_FRAME:
        // Copied: the frame is packetized later than this call, and the payload is a view.
        return this.sessions.get(frame.id)?.onFrame({ data: Buffer.from(frame.payload), keyframe: (frame.flags & FLAG_KEYFRAME) !== 0 });
      case TRANSCODE_EXIT:
        // Its ffmpeg died (a stream it could not decode, or it was killed).
        return this.reopen(frame.id);
    }
  }

  /** Opens a session again on a fresh ffmpeg, unless it keeps dying. */
  private reopen(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    const now = Date.now();
    session.reopenedAt = session.reopenedAt.filter((t) => now - t < 60_000);
    if (session.reopenedAt.length >= MAX_REOPENS_PER_MINUTE) {
      this.log.warn({ session: id }, 'transcoder keeps failing: the camera stays dark');
      this.sessions.delete(id);
      return;
    }
    session.reopenedAt.push(now);
    this.write(encodeFrame(TRANSCODE_OPEN, id));
    session.onRestart();
  }

  private write(frame: Buffer): void {
    const socket = this.socket;
    if (!this.connected || !socket || socket.writableLength > MAX_WRITE_BACKLOG) {
      this.dropped++;
      return;
    }
    socket.write(frame);
  }
}
