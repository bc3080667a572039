// Checks on the SDP answers clients send us before libdatachannel sees them, and the few
// rewrites we make to our own offers. Answers are untrusted input: anything that does not
// match the offer we made is refused with a clear reason and changes nothing.
import * as sdpTransform from 'sdp-transform';

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

export class InvalidSdpError extends Error {}

export interface AnswerFacts {
  /** Per mid, the direction the client answered. */
  directions: Map<string, string>;
  /** SSRCs the client announced per mid (what it will send). */
  ssrcs: Map<string, number[]>;
  /** Header-extension id the client accepted for RFC 6464 audio levels, per mid. */
  audioLevelIds: Map<string, number>;
}

export function inspectAnswer(sdp: string, offeredMids: readonly string[]): AnswerFacts {
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch {
    throw new InvalidSdpError('SDP does not parse');
  }
  if (parsed.version !== 0 || !Array.isArray(parsed.media) || parsed.media.length === 0) {
    throw new InvalidSdpError('SDP has no media sections');
  }
  if (parsed.media.length !== offeredMids.length) {
    throw new InvalidSdpError(`answer has ${parsed.media.length} media sections, the offer had ${offeredMids.length}`);
  }
  const directions = new Map<string, string>();
  const ssrcs = new Map<string, number[]>();
  const audioLevelIds = new Map<string, number>();
  parsed.media.forEach((m, i) => {
    const mid = m.mid === undefined ? undefined : String(m.mid);
    if (mid === undefined || mid !== offeredMids[i]) throw new InvalidSdpError(`media section ${i} has mid ${mid ?? '(none)'}, expected ${offeredMids[i]}`);
    if (m.type !== 'audio' && m.type !== 'video') throw new InvalidSdpError(`media section ${mid} is not audio or video`);
    const ufrag = m.iceUfrag ?? parsed.iceUfrag;
    const pwd = m.icePwd ?? parsed.icePwd;
    const fingerprint = m.fingerprint ?? parsed.fingerprint;
    if (m.port !== 0 && (!ufrag || !pwd)) throw new InvalidSdpError(`media section ${mid} lacks ICE credentials`);
    if (m.port !== 0 && !fingerprint) throw new InvalidSdpError(`media section ${mid} lacks a DTLS fingerprint`);
    directions.set(mid, m.port === 0 ? 'inactive' : (m.direction ?? 'sendrecv'));
    const list = [...new Set((m.ssrcs ?? []).map((s) => Number(s.id)).filter((n) => Number.isInteger(n) && n > 0 && n <= 0xffffffff))];
    ssrcs.set(mid, list);
    const level = (m.ext ?? []).find((e) => e.uri === AUDIO_LEVEL_URI);
    if (level && level.value >= 1 && level.value <= 14) audioLevelIds.set(mid, level.value);
  });
  return { directions, ssrcs, audioLevelIds };
}

/** Lists the mids of our own offer, in order. */
export function offeredMids(sdp: string): string[] {
  return sdpTransform.parse(sdp).media.map((m) => String(m.mid));
}

/**
 * Behind NAT, the server's host candidates carry a private address; replace it with the
 * announced public one (the port is the same: one UDP port serves every peer).
 */
export function announceAddress(sdp: string, announced: string | undefined): string {
  if (!announced) return sdp;
  return sdp
    .split('\r\n')
    .map((line) => {
      if (!line.startsWith('a=candidate:')) return line;
      const parts = line.split(' ');
      if (parts.length > 5 && parts[7] === 'host') parts[4] = announced;
      return parts.join(' ');
    })
    .join('\r\n');
}
