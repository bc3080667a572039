// The envelope of media relayed between nodes (a Space whose audience spans nodes): the same
// frame the workers of one node relay to each other over loopback, sealed with an HMAC under a
// key every node derives from the cluster's shared secret, and stamped with the time, so that
// a datagram from anyone else, or an old one replayed later, is dropped before it is parsed.
//
// Envelope: magic 'S'(1) version(1) unix seconds(4) frame tag(16), the tag being the first
// 16 bytes of HMAC-SHA256 over everything before it. One seal per packet, sent to every edge.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const MAGIC = 0x53;
const VERSION = 1;
const HEADER = 6;
const TAG = 16;
/** How far a datagram's stamp may be from this node's clock (clocks of a cluster are NTP-synced). */
export const MAX_SKEW_SECONDS = 30;

/** The relay key, derived from the cluster's shared secret (never the secret itself on the wire or in a worker's log). */
export function relayKey(secret: string): Buffer {
  return createHash('sha256').update('spaces node relay v1\0').update(secret).digest();
}

export function sealFrame(key: Buffer, frame: Buffer, nowMs: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER + frame.length + TAG);
  out[0] = MAGIC;
  out[1] = VERSION;
  out.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 2);
  frame.copy(out, HEADER);
  const body = out.subarray(0, HEADER + frame.length);
  createHmac('sha256', key)
    .update(body)
    .digest()
    .copy(out, HEADER + frame.length, 0, TAG);
  return out;
}

/** The frame inside a datagram, or null if it is not ours: bad shape, wrong key, or stale. */
export function openFrame(key: Buffer, buf: Buffer, nowMs: number): Buffer | null {
  if (buf.length < HEADER + TAG + 1 || buf[0] !== MAGIC || buf[1] !== VERSION) return null;
  const stamp = buf.readUInt32BE(2);
  if (Math.abs(Math.floor(nowMs / 1000) - stamp) > MAX_SKEW_SECONDS) return null;
  const end = buf.length - TAG;
  const expected = createHmac('sha256', key).update(buf.subarray(0, end)).digest();
  if (!timingSafeEqual(expected.subarray(0, TAG), buf.subarray(end))) return null;
  return buf.subarray(HEADER, end);
}
