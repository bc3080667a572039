// Messages between the main process and its media workers (over the fork IPC channel, each
// checked against these schemas on arrival), and the binary framing of media relayed between
// workers (over loopback UDP).
import { z } from 'zod';
import { MAX_STAGE } from '../../spaces/limits.js';
import type { MediaCounters } from '../counters.js';

const room = z.string().min(1).max(80);
const pid = z.string().min(1).max(128);
const reqId = z.number().int();

const iceServer = z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() });

/** A worker's settings: the first message of every start. */
export const mediaInitSchema = z.object({
  name: z.string(),
  index: z.number().int().min(0),
  logLevel: z.string(),
  transport: z.object({
    udpPort: z.number().int().min(1).max(65535),
    bindAddress: z.string().optional(),
    announcedAddress: z.string().optional(),
    iceServers: z.array(iceServer),
  }),
  rooms: z.object({ audibleSpeakers: z.number().int().min(1).max(MAX_STAGE).optional() }),
  /** Where the codec worker listens (HLS taps and H.264 transcoding go there). */
  codecSocket: z.string().min(1),
  /**
   * In a cluster: the node-to-node relay socket (port 0: any free port) and the key that
   * authenticates every datagram on it (hex).
   */
  nodeRelay: z
    .object({
      port: z.number().int().min(0).max(65535),
      bindAddress: z.string().optional(),
      key: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .optional(),
});
export type MediaInit = z.infer<typeof mediaInitSchema>;

export const mediaCommandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('connect'), room, pid }),
  z.object({ op: z.literal('disconnect'), room, pid }),
  z.object({ op: z.literal('remove'), room, pid }),
  z.object({ op: z.literal('setPublisher'), room, pid, onStage: z.boolean(), muted: z.boolean() }),
  z.object({ op: z.literal('setMuted'), room, pid, muted: z.boolean() }),
  z.object({ op: z.literal('setCamera'), room, pid, on: z.boolean() }),
  z.object({ op: z.literal('pin'), room, pid, target: pid.nullable() }),
  z.object({ op: z.literal('renegotiate'), room, pid }),
  z.object({ op: z.literal('answer'), room, pid, sdp: z.string(), reqId }),
  z.object({ op: z.literal('candidate'), room, pid, candidate: z.string(), mid: z.string() }),
  z.object({ op: z.literal('closeRoom'), room }),
  z.object({ op: z.literal('acceptOffer'), room, pid, kind: z.enum(['ingest', 'playback']), sdp: z.string(), reqId }),
  z.object({ op: z.literal('endSession'), room, pid }),
  z.object({ op: z.literal('sessionCandidate'), room, pid, candidate: z.string(), mid: z.string() }),
  /** This worker (the primary) taps the room for its HLS encoder, or stops. */
  z.object({ op: z.literal('tap'), room, on: z.boolean() }),
  /** Where every worker's relay socket listens, by worker index (0: that worker is down). */
  z.object({ op: z.literal('relayPorts'), ports: z.array(z.number().int().min(0).max(65535)) }),
  /** The owner's side of a Space spread over nodes: what its publishers send goes to these edge nodes too. */
  z.object({
    op: z.literal('edgeTargets'),
    room,
    targets: z.array(z.object({ host: z.string().min(1).max(255), port: z.number().int().min(1).max(65535) })).max(256),
  }),
  /** An edge node's side: the owner decided who the active speaker is; this room follows it. */
  z.object({ op: z.literal('followSpeaker'), room, pid: pid.nullable() }),
]);
export type WorkerCommand = z.infer<typeof mediaCommandSchema>;

const counters = z.object({
  packetsIn: z.number(),
  bytesIn: z.number(),
  packetsOut: z.number(),
  bytesOut: z.number(),
  packetsGated: z.number(),
  packetsInvalid: z.number(),
  rtcpIn: z.number(),
  speakerSwitches: z.number(),
  retransmissions: z.number(),
  keyframeRequests: z.number(),
  relayOut: z.number().default(0),
  relayIn: z.number().default(0),
  relayRejected: z.number().default(0),
}) satisfies z.ZodType<MediaCounters>;

export const mediaEventSchema = z.discriminatedUnion('ev', [
  /** `nodeRelayPort`: the node-to-node relay socket's port (0: none, not in a cluster). */
  z.object({ ev: z.literal('ready'), index: z.number().int(), relayPort: z.number().int(), nodeRelayPort: z.number().int().default(0) }),
  /** `fresh`: the first offer of a new server PeerConnection: the client starts a new one too. */
  z.object({ ev: z.literal('offer'), room, pid, sdp: z.string(), fresh: z.boolean() }),
  z.object({ ev: z.literal('candidates'), room, pid, candidates: z.array(z.string()), mid: z.string() }),
  z.object({ ev: z.literal('speaking'), room, levels: z.array(z.object({ id: pid, level: z.number() })) }),
  z.object({ ev: z.literal('activeSpeaker'), room, pid: pid.nullable() }),
  z.object({ ev: z.literal('stageVideo'), room, pid, source: pid.nullable(), pinned: z.boolean(), layer: z.enum(['high', 'low']) }),
  z.object({ ev: z.literal('connectionState'), room, pid, state: z.string() }),
  z.object({ ev: z.literal('answerResult'), reqId, error: z.string().nullable(), invalidSdp: z.boolean() }),
  /** The answer to a client's offer, or why there is none ('invalid': malformed; 'unsupported': nothing usable). */
  z.object({
    ev: z.literal('offerResult'),
    reqId,
    answer: z.string().nullable(),
    hasVideo: z.boolean(),
    error: z.string().nullable(),
    errorKind: z.enum(['invalid', 'unsupported', 'internal']).nullable(),
  }),
  /** Once a second: the counters, loss, peers, and frames the codec link dropped (down, or the codec worker behind). */
  z.object({
    ev: z.literal('stats'),
    counters,
    loss: z.object({ downstream: z.number(), upstream: z.number() }),
    peers: z.number().int(),
    linkDropped: z.number().int(),
  }),
]);
export type WorkerEvent = z.infer<typeof mediaEventSchema>;

/**
 * An edge node runs its copy of another node's Space under this prefix, so that it never meets
 * the Space itself in the same worker (the edge may adopt the Space if its owner dies).
 */
export const EDGE_ROOM_PREFIX = 'edge:';

export const RELAY_AUDIO = 1;
export const RELAY_VIDEO_HIGH = 2;
export const RELAY_VIDEO_LOW = 3;
export const RELAY_KEYFRAME_HIGH = 4;
export const RELAY_KEYFRAME_LOW = 5;

/** Frame: kind(1) extId(1) roomLen(2) pidLen(2) room pid payload. */
export function encodeRelay(kind: number, extId: number, room: string, pid: string, payload: Buffer | null): Buffer {
  const roomLen = Buffer.byteLength(room);
  const pidLen = Buffer.byteLength(pid);
  const out = Buffer.allocUnsafe(6 + roomLen + pidLen + (payload?.length ?? 0));
  out[0] = kind;
  out[1] = extId;
  out.writeUInt16BE(roomLen, 2);
  out.writeUInt16BE(pidLen, 4);
  out.write(room, 6);
  out.write(pid, 6 + roomLen);
  payload?.copy(out, 6 + roomLen + pidLen);
  return out;
}

export interface RelayFrame {
  kind: number;
  extId: number;
  room: string;
  pid: string;
  payload: Buffer;
}

export function decodeRelay(buf: Buffer): RelayFrame | null {
  if (buf.length < 6) return null;
  const roomLen = buf.readUInt16BE(2);
  const pidLen = buf.readUInt16BE(4);
  const start = 6 + roomLen + pidLen;
  if (start > buf.length) return null;
  return {
    kind: buf[0]!,
    extId: buf[1]!,
    room: buf.toString('utf8', 6, 6 + roomLen),
    pid: buf.toString('utf8', 6 + roomLen, start),
    payload: buf.subarray(start),
  };
}
