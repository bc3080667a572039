// Messages between the main process and its media workers (over the fork IPC channel), and
// the binary framing of media relayed between workers (over loopback UDP).
import type { MediaCounters } from '../counters.js';
import type { SpeakingLevel } from '../room-handle.js';
import type { LossSummary } from '../room-handle.js';
import type { EgressEvent, EgressOptions } from '../room-tap.js';

export type WorkerCommand =
  | { op: 'connect'; room: string; pid: string }
  | { op: 'disconnect'; room: string; pid: string }
  | { op: 'remove'; room: string; pid: string }
  | { op: 'setPublisher'; room: string; pid: string; onStage: boolean; muted: boolean }
  | { op: 'setMuted'; room: string; pid: string; muted: boolean }
  | { op: 'setCamera'; room: string; pid: string; on: boolean }
  | { op: 'pin'; room: string; pid: string; target: string | null }
  | { op: 'renegotiate'; room: string; pid: string }
  | { op: 'answer'; room: string; pid: string; sdp: string; reqId: number }
  | { op: 'candidate'; room: string; pid: string; candidate: string; mid: string }
  | { op: 'closeRoom'; room: string }
  | { op: 'acceptOffer'; room: string; pid: string; kind: 'ingest' | 'playback'; sdp: string; reqId: number }
  | { op: 'endSession'; room: string; pid: string }
  | { op: 'sessionCandidate'; room: string; pid: string; candidate: string; mid: string }
  | { op: 'startEgress'; room: string; options: EgressOptions }
  | { op: 'stopEgress'; room: string }
  /** Where every worker's relay socket listens, by worker index. */
  | { op: 'relayPorts'; ports: number[] };

export type WorkerEvent =
  | { ev: 'ready'; index: number; relayPort: number }
  | { ev: 'offer'; room: string; pid: string; sdp: string }
  | { ev: 'candidates'; room: string; pid: string; candidates: string[]; mid: string }
  | { ev: 'speaking'; room: string; levels: SpeakingLevel[] }
  | { ev: 'activeSpeaker'; room: string; pid: string | null }
  | { ev: 'stageVideo'; room: string; pid: string; source: string | null; pinned: boolean; layer: 'high' | 'low' }
  | { ev: 'connectionState'; room: string; pid: string; state: string }
  | { ev: 'answerResult'; reqId: number; error: string | null; invalidSdp: boolean }
  | { ev: 'egress'; room: string; event: EgressEvent }
  /** The answer to a client's offer, or why there is none ('invalid': malformed; 'unsupported': nothing usable). */
  | { ev: 'offerResult'; reqId: number; answer: string | null; hasVideo: boolean; error: string | null; errorKind: 'invalid' | 'unsupported' | 'internal' | null }
  | { ev: 'stats'; counters: MediaCounters; loss: LossSummary };

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
