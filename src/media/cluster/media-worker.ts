// A media worker process: its own UDP port for WebRTC, its share of each Space's peers, and
// a loopback relay to the other workers. What a local publisher sends is relayed to every
// other worker, which fans it out to its own peers as if the publisher were local.
import dgram from 'node:dgram';
import { MediaServer, type RoomSettings } from '../media-server.js';
import type { MediaRoom } from '../media-room.js';
import { InvalidSdpError } from '../sdp.js';
import { UnsupportedOfferError } from '../client-offer.js';
import {
  decodeRelay,
  encodeRelay,
  RELAY_AUDIO,
  RELAY_KEYFRAME_HIGH,
  RELAY_KEYFRAME_LOW,
  RELAY_VIDEO_HIGH,
  RELAY_VIDEO_LOW,
  type WorkerCommand,
  type WorkerEvent,
} from './protocol.js';
import type { TransportConfig } from '../transport-config.js';
// The composition root of a worker process: the only place in media/ that names the egress.
import { LiveEncoder } from '../../egress/live-encoder.js';
import { H264ToVp8, h264Options } from '../../transcode/h264-to-vp8.js';

const H264_OPTIONS = h264Options(process.env.SPACES_FFMPEG ?? 'ffmpeg');

const index = Number(process.env.SPACES_WORKER_INDEX ?? 0);
const transport = JSON.parse(process.env.SPACES_WORKER_TRANSPORT ?? '{}') as TransportConfig;

// With a callback, a send to a parent that has gone away reports to it instead of throwing.
const send = (msg: WorkerEvent) => {
  if (process.connected) process.send?.(msg, undefined, undefined, () => undefined);
};
const relaySocket = dgram.createSocket('udp4');
let relayPorts: number[] = [];

function relay(frame: Buffer): void {
  for (const [i, port] of relayPorts.entries()) {
    if (i !== index && port > 0) relaySocket.send(frame, port, '127.0.0.1');
  }
}

const settings = JSON.parse(process.env.SPACES_WORKER_ROOM_SETTINGS ?? '{}') as RoomSettings;
const media = new MediaServer(
  transport,
  settings,
  (roomId) => ({
    audio: (pid, extId, buf) => relay(encodeRelay(RELAY_AUDIO, extId, roomId, pid, buf)),
    video: (pid, layer, buf) => relay(encodeRelay(layer === 'high' ? RELAY_VIDEO_HIGH : RELAY_VIDEO_LOW, 0, roomId, pid, buf)),
    keyframeRequest: (pid, layer) => relay(encodeRelay(layer === 'high' ? RELAY_KEYFRAME_HIGH : RELAY_KEYFRAME_LOW, 0, roomId, pid, null)),
  }),
  (options) => LiveEncoder.start(options),
  (onFrame) => new H264ToVp8(H264_OPTIONS, onFrame),
);
const wired = new Set<MediaRoom>();

/** The room, with its events forwarded to the main process the first time we see it. */
function room(id: string): MediaRoom {
  const r = media.room(id);
  if (!wired.has(r)) {
    wired.add(r);
    r.on('offer', (pid, sdp) => send({ ev: 'offer', room: id, pid, sdp }));
    r.on('candidates', (pid, candidates, mid) => send({ ev: 'candidates', room: id, pid, candidates, mid }));
    r.on('speaking', (levels) => send({ ev: 'speaking', room: id, levels }));
    r.on('activeSpeaker', (pid) => send({ ev: 'activeSpeaker', room: id, pid }));
    r.on('stageVideo', (pid, source, pinned, layer) => send({ ev: 'stageVideo', room: id, pid, source, pinned, layer }));
    r.on('connectionState', (pid, state) => send({ ev: 'connectionState', room: id, pid, state }));
    r.on('egress', (event) => send({ ev: 'egress', room: id, event }));
  }
  return r;
}

relaySocket.on('message', (buf) => {
  const frame = decodeRelay(buf);
  if (!frame || !media.hasRoom(frame.room)) return;
  const r = media.room(frame.room);
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
});

process.on('message', (raw) => {
  const cmd = raw as WorkerCommand;
  try {
    switch (cmd.op) {
      case 'relayPorts':
        relayPorts = cmd.ports;
        return;
      case 'connect':
        return room(cmd.room).connect(cmd.pid);
      case 'disconnect':
        return room(cmd.room).disconnect(cmd.pid);
      case 'remove':
        return room(cmd.room).remove(cmd.pid);
      case 'setPublisher':
        return room(cmd.room).setPublisher(cmd.pid, cmd.onStage, cmd.muted);
      case 'setMuted':
        return room(cmd.room).setMuted(cmd.pid, cmd.muted);
      case 'setCamera':
        return room(cmd.room).setCamera(cmd.pid, cmd.on);
      case 'pin':
        return room(cmd.room).pin(cmd.pid, cmd.target);
      case 'renegotiate':
        room(cmd.room).renegotiate(cmd.pid);
        return;
      case 'candidate':
        return room(cmd.room).addCandidate(cmd.pid, cmd.candidate, cmd.mid);
      case 'acceptOffer': {
        const r = room(cmd.room);
        const answered =
          cmd.kind === 'ingest' ? r.acceptIngest(cmd.pid, cmd.sdp) : r.acceptPlayback(cmd.pid, cmd.sdp).then((answer) => ({ answer, hasVideo: false }));
        answered.then(
          ({ answer, hasVideo }) => send({ ev: 'offerResult', reqId: cmd.reqId, answer, hasVideo, error: null, errorKind: null }),
          (err: Error) =>
            send({
              ev: 'offerResult',
              reqId: cmd.reqId,
              answer: null,
              hasVideo: false,
              error: err.message,
              errorKind: err instanceof InvalidSdpError ? 'invalid' : err instanceof UnsupportedOfferError ? 'unsupported' : 'internal',
            }),
        );
        return;
      }
      case 'endSession':
        return media.hasRoom(cmd.room) ? media.room(cmd.room).endSession(cmd.pid) : undefined;
      case 'sessionCandidate':
        return void (media.hasRoom(cmd.room) && media.room(cmd.room).addSessionCandidate(cmd.pid, cmd.candidate, cmd.mid));
      case 'startEgress':
        return room(cmd.room).startEgress(cmd.options);
      case 'stopEgress':
        return media.hasRoom(cmd.room) ? media.room(cmd.room).stopEgress() : undefined;
      case 'closeRoom':
        wired.delete(media.room(cmd.room));
        return media.closeRoom(cmd.room);
      case 'answer':
        room(cmd.room)
          .applyAnswer(cmd.pid, cmd.sdp)
          .then(
            () => send({ ev: 'answerResult', reqId: cmd.reqId, error: null, invalidSdp: false }),
            (err: Error) => send({ ev: 'answerResult', reqId: cmd.reqId, error: err.message, invalidSdp: err instanceof InvalidSdpError }),
          );
        return;
    }
  } catch (err) {
    // A bad command must not take the worker (and every peer on it) down.
    process.stderr.write(`media worker ${index}: ${(err as Error).message}\n`);
  }
});

setInterval(() => send({ ev: 'stats', counters: media.counters, loss: media.lossSummary() }), 1000).unref();

process.on('disconnect', () => {
  media.close();
  process.exit(0);
});

relaySocket.bind(0, '127.0.0.1', () => {
  send({ ev: 'ready', index, relayPort: relaySocket.address().port });
});
