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
import { openFrame, sealFrame } from '../media/cluster/node-relay.js';
import {
  EDGE_ROOM_PREFIX,
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

interface Endpoint {
  address: string;
  port: number;
}

class MediaWorker {
  private readonly relaySocket = dgram.createSocket('udp4');
  private relayPorts: number[] = [];
  /** In a cluster: the node-to-node relay (to and from the other nodes' workers). */
  private readonly nodeSocket: dgram.Socket | null;
  private readonly nodeKey: Buffer | null;
  /** Owner side: the edge nodes each room's publishers are relayed to. */
  private readonly edgeTargets = new Map<string, Endpoint[]>();
  /** Edge side: where each edge room's media comes from (keyframe requests go back there). */
  private readonly ownerOf = new Map<string, Endpoint>();
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
        audio: (pid, extId, buf) => this.relayMedia(roomId, encodeRelay(RELAY_AUDIO, extId, roomId, pid, buf)),
        video: (pid, layer, buf) => this.relayMedia(roomId, encodeRelay(layer === 'high' ? RELAY_VIDEO_HIGH : RELAY_VIDEO_LOW, 0, roomId, pid, buf)),
        keyframeRequest: (pid, layer) => this.relayKeyframeRequest(roomId, pid, layer === 'high' ? RELAY_KEYFRAME_HIGH : RELAY_KEYFRAME_LOW),
      }),
      h264: this.link.transcoder,
      log,
    });
    this.relaySocket.on('message', (buf) => this.onRelay(buf));
    this.relaySocket.on('error', (err) => log.error({ err }, 'relay socket error'));
    this.nodeKey = init.nodeRelay ? Buffer.from(init.nodeRelay.key, 'hex') : null;
    this.nodeSocket = init.nodeRelay ? dgram.createSocket('udp4') : null;
    this.nodeSocket?.on('message', (buf, from) => this.onNodeRelay(buf, from));
    this.nodeSocket?.on('error', (err) => log.error({ err }, 'node relay socket error'));
    this.statsTimer = setInterval(() => {
      let peers = 0;
      for (const room of this.wired) peers += room.peerCount;
      send({ ev: 'stats', counters: this.media.counters, loss: this.media.lossSummary(), peers, linkDropped: this.link.dropped });
    }, 1000);
    this.statsTimer.unref();
  }

  bindRelay(): Promise<number> {
    return bindSocket(this.relaySocket, 0, '127.0.0.1');
  }

  /** The node-to-node relay socket's port (base + index, or any free one); 0 outside a cluster. */
  bindNodeRelay(): Promise<number> {
    const relay = this.init.nodeRelay;
    if (!relay || !this.nodeSocket) return Promise.resolve(0);
    return bindSocket(this.nodeSocket, relay.port === 0 ? 0 : relay.port + this.init.index, relay.bindAddress ?? '0.0.0.0');
  }

  handle(cmd: WorkerCommand): void {
    switch (cmd.op) {
      case 'relayPorts':
        this.relayPorts = cmd.ports;
        return;
      case 'edgeTargets':
        if (cmd.targets.length === 0) this.edgeTargets.delete(cmd.room);
        else
          this.edgeTargets.set(
            cmd.room,
            cmd.targets.map((t) => ({ address: t.host, port: t.port })),
          );
        return;
      case 'followSpeaker':
        return this.room(cmd.room).followSpeaker(cmd.pid);
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
        this.edgeTargets.delete(cmd.room);
        this.ownerOf.delete(cmd.room);
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
    this.nodeSocket?.close();
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

  /** A local publisher's packet: to this node's other workers and, sealed once, to the room's edge nodes. */
  private relayMedia(roomId: string, frame: Buffer): void {
    this.relay(frame);
    const targets = this.edgeTargets.get(roomId);
    if (!targets || !this.nodeKey || !this.nodeSocket) return;
    const sealed = sealFrame(this.nodeKey, frame, Date.now());
    for (let i = 0; i < targets.length; i++) this.nodeSocket.send(sealed, targets[i]!.port, targets[i]!.address);
    this.media.counters.relayOut += targets.length;
  }

  /** A viewer here needs a keyframe of a camera elsewhere: on this node's workers, or (an edge room) at the owner. */
  private relayKeyframeRequest(roomId: string, pid: string, kind: number): void {
    this.relay(encodeRelay(kind, 0, roomId, pid, null));
    const owner = this.ownerOf.get(roomId);
    if (!owner || !this.nodeKey || !this.nodeSocket) return;
    const spaceId = roomId.slice(EDGE_ROOM_PREFIX.length);
    this.nodeSocket.send(sealFrame(this.nodeKey, encodeRelay(kind, 0, spaceId, pid, null), Date.now()), owner.port, owner.address);
  }

  /**
   * A datagram from another node. Media from an owner goes into this node's edge copy of the
   * Space (here and on this node's other workers); a keyframe request from an edge goes to
   * whichever worker here hosts that camera. Anything unsealed, stale or for no room is dropped.
   */
  private onNodeRelay(buf: Buffer, from: dgram.RemoteInfo): void {
    const frameBuf = this.nodeKey ? openFrame(this.nodeKey, buf, Date.now()) : null;
    const frame = frameBuf ? decodeRelay(frameBuf) : null;
    if (!frame) {
      this.media.counters.relayRejected++;
      return;
    }
    this.media.counters.relayIn++;
    if (frame.kind === RELAY_KEYFRAME_HIGH || frame.kind === RELAY_KEYFRAME_LOW) {
      if (!this.media.hasRoom(frame.room)) return;
      this.media.room(frame.room).requestKeyframe(frame.pid, frame.kind === RELAY_KEYFRAME_HIGH ? 'high' : 'low');
      this.relay(frameBuf!);
      return;
    }
    const local = EDGE_ROOM_PREFIX + frame.room;
    if (!this.media.hasRoom(local)) return;
    const owner = this.ownerOf.get(local);
    if (!owner || owner.port !== from.port || owner.address !== from.address) this.ownerOf.set(local, { address: from.address, port: from.port });
    this.deliver(local, frame.kind, frame.extId, frame.pid, frame.payload);
    this.relay(encodeRelay(frame.kind, frame.extId, local, frame.pid, frame.payload));
  }

  private relay(frame: Buffer): void {
    const ports = this.relayPorts;
    for (let i = 0; i < ports.length; i++) {
      if (i !== this.init.index && ports[i]! > 0) this.relaySocket.send(frame, ports[i]!, '127.0.0.1');
    }
  }

  private onRelay(buf: Buffer): void {
    const frame = decodeRelay(buf);
    if (!frame) return;
    this.deliver(frame.room, frame.kind, frame.extId, frame.pid, frame.payload);
    // A viewer on another worker of this edge needs a keyframe: only this worker knows the owner.
    const owner = frame.kind === RELAY_KEYFRAME_HIGH || frame.kind === RELAY_KEYFRAME_LOW ? this.ownerOf.get(frame.room) : undefined;
    if (owner && this.nodeKey && this.nodeSocket) {
      const spaceId = frame.room.slice(EDGE_ROOM_PREFIX.length);
      this.nodeSocket.send(sealFrame(this.nodeKey, encodeRelay(frame.kind, 0, spaceId, frame.pid, null), Date.now()), owner.port, owner.address);
    }
  }

  private deliver(roomId: string, kind: number, extId: number, pid: string, payload: Buffer): void {
    if (!this.media.hasRoom(roomId)) return;
    const r = this.media.room(roomId);
    switch (kind) {
      case RELAY_AUDIO:
        return r.injectAudio(pid, extId, payload);
      case RELAY_VIDEO_HIGH:
        return r.injectVideo(pid, 'high', payload);
      case RELAY_VIDEO_LOW:
        return r.injectVideo(pid, 'low', payload);
      case RELAY_KEYFRAME_HIGH:
        return r.requestKeyframe(pid, 'high');
      case RELAY_KEYFRAME_LOW:
        return r.requestKeyframe(pid, 'low');
    }
  }
}

function bindSocket(socket: dgram.Socket, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
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
    const nodeRelayPort = await worker.bindNodeRelay();
    log.info({ udpPort: init.transport.udpPort, relayPort, nodeRelayPort }, 'media worker listening');
    return { service: worker, ready: { index: init.index, relayPort, nodeRelayPort } };
  },
});
