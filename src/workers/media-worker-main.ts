// A media worker process: its own UDP port for WebRTC, its share of each Space's peers, and
// a loopback relay to the other workers. What a local publisher sends is relayed to every
// other worker, which fans it out to its own peers as if the publisher were local. The
// primary worker also taps rooms for their HLS encoders, over the codec link. This process
// spawns nothing: the encoders and transcoders run in the codec worker.
import dgram from 'node:dgram';
import type { Logger } from 'pino';
import { runWorker } from './worker-runtime.js';
import { CodecLinkClient } from './codec-link-client.js';
import { MediaServer } from '../media/media-server.js';
import type { MediaRoom } from '../media/room/media-room.js';
import { InvalidSdpError } from '../media/transport/sdp.js';
import { UnsupportedOfferError } from '../media/transport/client-offer.js';
import {
  decodeRelay,
  encodeRelay,
  mediaCommandSchema,
  mediaInitSchema,
  RELAY_AUDIO,
  RELAY_KEYFRAME_HIGH,
  RELAY_KEYFRAME_LOW,
  RELAY_VIDEO_HIGH,
  RELAY_VIDEO_LOW,
  type MediaInit,
  type WorkerCommand,
  type WorkerEvent,
} from '../media/cluster/protocol.js';

class MediaWorker {
  private readonly relaySocket = dgram.createSocket('udp4');
  private relayPorts: number[] = [];
  private readonly media: MediaServer;
  private readonly link: CodecLinkClient;
  private readonly wired = new Set<MediaRoom>();
  private readonly statsTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly init: MediaInit,
    private readonly log: Logger,
    private readonly send: (event: WorkerEvent) => void,
  ) {
    this.link = new CodecLinkClient(init.codecSocket, log.child({ module: 'codec-link' }));
    this.media = new MediaServer({
      transport: init.transport,
      rooms: init.rooms,
      relayFor: (roomId) => ({
        audio: (pid, extId, buf) => this.relay(encodeRelay(RELAY_AUDIO, extId, roomId, pid, buf)),
        video: (pid, layer, buf) => this.relay(encodeRelay(layer === 'high' ? RELAY_VIDEO_HIGH : RELAY_VIDEO_LOW, 0, roomId, pid, buf)),
        keyframeRequest: (pid, layer) => this.relay(encodeRelay(layer === 'high' ? RELAY_KEYFRAME_HIGH : RELAY_KEYFRAME_LOW, 0, roomId, pid, null)),
      }),
      h264: this.link.transcoder,
      log,
    });
    this.relaySocket.on('message', (buf) => this.onRelay(buf));
    this.relaySocket.on('error', (err) => log.error({ err }, 'relay socket error'));
    this.statsTimer = setInterval(() => {
      let peers = 0;
      for (const room of this.wired) peers += room.peerCount;
      send({ ev: 'stats', counters: this.media.counters, loss: this.media.lossSummary(), peers, linkDropped: this.link.dropped });
    }, 1000);
    this.statsTimer.unref();
  }

  bindRelay(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.relaySocket.once('error', reject);
      this.relaySocket.bind(0, '127.0.0.1', () => resolve(this.relaySocket.address().port));
    });
  }

  handle(cmd: WorkerCommand): void {
    switch (cmd.op) {
      case 'relayPorts':
        this.relayPorts = cmd.ports;
        return;
      case 'connect':
        return this.room(cmd.room).connect(cmd.pid);
      case 'disconnect':
        return this.room(cmd.room).disconnect(cmd.pid);
      case 'remove':
        return this.room(cmd.room).remove(cmd.pid);
      case 'setPublisher':
        return this.room(cmd.room).setPublisher(cmd.pid, cmd.onStage, cmd.muted);
      case 'setMuted':
        return this.room(cmd.room).setMuted(cmd.pid, cmd.muted);
      case 'setCamera':
        return this.room(cmd.room).setCamera(cmd.pid, cmd.on);
      case 'pin':
        return this.room(cmd.room).pin(cmd.pid, cmd.target);
      case 'renegotiate':
        this.room(cmd.room).renegotiate(cmd.pid);
        return;
      case 'candidate':
        return this.room(cmd.room).addCandidate(cmd.pid, cmd.candidate, cmd.mid);
      case 'acceptOffer':
        return this.acceptOffer(cmd);
      case 'endSession':
        return this.media.hasRoom(cmd.room) ? this.media.room(cmd.room).endSession(cmd.pid) : undefined;
      case 'sessionCandidate':
        return void (this.media.hasRoom(cmd.room) && this.media.room(cmd.room).addSessionCandidate(cmd.pid, cmd.candidate, cmd.mid));
      case 'tap':
        if (cmd.on) return this.room(cmd.room).setTap(this.link.tap(cmd.room));
        this.link.untap(cmd.room);
        return this.media.hasRoom(cmd.room) ? this.media.room(cmd.room).setTap(null) : undefined;
      case 'closeRoom':
        if (!this.media.hasRoom(cmd.room)) return;
        this.wired.delete(this.media.room(cmd.room));
        this.link.untap(cmd.room);
        return this.media.closeRoom(cmd.room);
      case 'answer':
        this.room(cmd.room)
          .applyAnswer(cmd.pid, cmd.sdp)
          .then(
            () => this.send({ ev: 'answerResult', reqId: cmd.reqId, error: null, invalidSdp: false }),
            (err: Error) => this.send({ ev: 'answerResult', reqId: cmd.reqId, error: err.message, invalidSdp: err instanceof InvalidSdpError }),
          );
        return;
    }
  }

  close(): void {
    clearInterval(this.statsTimer);
    this.link.close();
    this.media.close();
    this.relaySocket.close();
  }

  /** The room, with its events forwarded to the main process the first time we see it. */
  private room(id: string): MediaRoom {
    const r = this.media.room(id);
    if (!this.wired.has(r)) {
      this.wired.add(r);
      const send = this.send;
      r.on('offer', (pid, sdp, fresh) => send({ ev: 'offer', room: id, pid, sdp, fresh }));
      r.on('candidates', (pid, candidates, mid) => send({ ev: 'candidates', room: id, pid, candidates, mid }));
      r.on('speaking', (levels) => send({ ev: 'speaking', room: id, levels }));
      r.on('activeSpeaker', (pid) => send({ ev: 'activeSpeaker', room: id, pid }));
      r.on('stageVideo', (pid, source, pinned, layer) => send({ ev: 'stageVideo', room: id, pid, source, pinned, layer }));
      r.on('connectionState', (pid, state) => send({ ev: 'connectionState', room: id, pid, state }));
    }
    return r;
  }

  private acceptOffer(cmd: Extract<WorkerCommand, { op: 'acceptOffer' }>): void {
    const r = this.room(cmd.room);
    const answered =
      cmd.kind === 'ingest' ? r.acceptIngest(cmd.pid, cmd.sdp) : r.acceptPlayback(cmd.pid, cmd.sdp).then((answer) => ({ answer, hasVideo: false }));
    answered.then(
      ({ answer, hasVideo }) => this.send({ ev: 'offerResult', reqId: cmd.reqId, answer, hasVideo, error: null, errorKind: null }),
      (err: Error) => {
        const errorKind = err instanceof InvalidSdpError ? 'invalid' : err instanceof UnsupportedOfferError ? 'unsupported' : 'internal';
        if (errorKind === 'internal') this.log.error({ err, room: cmd.room, peer: cmd.pid }, 'could not answer an offer');
        this.send({ ev: 'offerResult', reqId: cmd.reqId, answer: null, hasVideo: false, error: err.message, errorKind });
      },
    );
  }

  private relay(frame: Buffer): void {
    const ports = this.relayPorts;
    for (let i = 0; i < ports.length; i++) {
      if (i !== this.init.index && ports[i]! > 0) this.relaySocket.send(frame, ports[i]!, '127.0.0.1');
    }
  }

  private onRelay(buf: Buffer): void {
    const frame = decodeRelay(buf);
    if (!frame || !this.media.hasRoom(frame.room)) return;
    const r = this.media.room(frame.room);
    switch (frame.kind) {
      case RELAY_AUDIO:
        return r.injectAudio(frame.pid, frame.extId, frame.payload);
      case RELAY_VIDEO_HIGH:
        return r.injectVideo(frame.pid, 'high', frame.payload);
      case RELAY_VIDEO_LOW:
        return r.injectVideo(frame.pid, 'low', frame.payload);
      case RELAY_KEYFRAME_HIGH:
        return r.requestKeyframe(frame.pid, 'high');
      case RELAY_KEYFRAME_LOW:
        return r.requestKeyframe(frame.pid, 'low');
    }
  }
}

/**
 * libdatachannel aborts the process when the media port cannot be bound (its gathering throws
 * on a native thread), so a port taken by something else is found here, at start, instead.
 * Only "in use" and "not allowed" fail the start: a host without IPv6 cannot try '::' at all.
 * A port still in use is tried again for a while: the worker of a server that was just killed
 * may still be on its way out.
 */
async function checkMediaPort(init: MediaInit, log: Logger): Promise<void> {
  const deadline = Date.now() + PORT_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    const err = await tryBind(init);
    if (!err) return;
    if (err.code !== 'EADDRINUSE' || Date.now() > deadline) {
      throw new Error(`the media port ${init.transport.udpPort} cannot be bound: ${err.message}`);
    }
    if (attempt === 0) log.warn({ udpPort: init.transport.udpPort }, 'the media port is still in use: waiting for it');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const PORT_WAIT_MS = 10_000;

function tryBind(init: MediaInit): Promise<NodeJS.ErrnoException | null> {
  const address = init.transport.bindAddress;
  const v6 = address ? address.includes(':') : true;
  const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: false });
  return new Promise((resolve) => {
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? err : null);
    });
    socket.bind(init.transport.udpPort, address ?? '::', () => socket.close(() => resolve(null)));
  });
}

runWorker({
  init: mediaInitSchema,
  commands: mediaCommandSchema,
  async start(init, log, send) {
    await checkMediaPort(init, log);
    const worker = new MediaWorker(init, log, send as (event: WorkerEvent) => void);
    const relayPort = await worker.bindRelay();
    log.info({ udpPort: init.transport.udpPort, relayPort }, 'media worker listening');
    return { service: worker, ready: { index: init.index, relayPort } };
  },
});
