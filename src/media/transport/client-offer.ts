// Offers made by the client, as WHIP (RFC 9725) publishers and WHEP players send them: we
// answer instead of offering. The offer is untrusted input; this reads what we need from it
// (per m-line: mid, kind, direction, the payload type of the one codec we accept, the audio
// level extension, the sender's SSRC) and refuses what we cannot serve, with a reason.
import * as sdpTransform from 'sdp-transform';
import { AUDIO_LEVEL_URI, InvalidSdpError } from './sdp.js';
import { normaliseCandidate } from './ice-candidate.js';

/** The offer is well formed, but nothing in it is something we can take or give (e.g. no VP8 or Opus). */
export class UnsupportedOfferError extends Error {}

export interface OfferSection {
  mid: string;
  kind: 'audio' | 'video';
  /** Direction from the client's side. */
  direction: 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';
  /** What the client sends or takes: Opus for audio; VP8, or H.264 when it offers no VP8 (OBS). */
  codec: 'opus' | 'vp8' | 'h264';
  /** Payload type the client uses for that codec. */
  payloadType: number;
  fmtp: string;
  /** RFC 6464 audio-level extension id the client offered, or 0. */
  audioLevelExtId: number;
  /** The SSRC the client sends media with (the first of an RTX group), or null. */
  ssrc: number | null;
}

export interface OfferPlan {
  /**
   * The offer as the library is to take it: bundle-only m-lines (port 0, RFC 8843 §6) carry
   * port 9, since the library, like RFC 4566, would read port 0 as disabled.
   */
  offer: string;
  sections: OfferSection[];
  /** m-lines we will not use (other codecs only, data channels): answered as rejected by the library. */
  ignoredMids: string[];
}

const MAX_OFFER_CHARS = 48 * 1024;

/** `allowH264`: take an H.264 camera when no VP8 is offered (ingest transcodes it). */
export function readClientOffer(sdp: string, allowH264 = false): OfferPlan {
  if (typeof sdp !== 'string' || sdp.length === 0 || sdp.length > MAX_OFFER_CHARS) throw new InvalidSdpError('the offer must be 1 to 48 KiB of SDP');
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch {
    throw new InvalidSdpError('SDP does not parse');
  }
  if (parsed.version !== 0 || !Array.isArray(parsed.media) || parsed.media.length === 0) throw new InvalidSdpError('SDP has no media sections');
  if (parsed.media.length > 16) throw new InvalidSdpError('too many media sections');
  const sections: OfferSection[] = [];
  const ignoredMids: string[] = [];
  const seen = new Set<string>();
  const bundled = bundledMids(parsed);
  const bundleOnly = new Set<number>();
  for (const [i, m] of parsed.media.entries()) {
    const mid = m.mid === undefined ? '' : String(m.mid);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(mid)) throw new InvalidSdpError(`media section ${i} has no valid mid`);
    if (seen.has(mid)) throw new InvalidSdpError(`duplicate mid ${mid}`);
    seen.add(mid);
    // RFC 8843 §6: port 0 with a=bundle-only in a BUNDLE group is an active m-line that shares
    // the group's transport (GStreamer's webrtcbin offers its audio so); without those it is disabled.
    const active = m.port !== 0 || (m.bundleOnly !== undefined && bundled.has(mid));
    if (m.port === 0 && active) bundleOnly.add(i);
    // A bundle-only m-line uses the transport of the group's tagged one: only that needs credentials.
    if (m.port !== 0) {
      if (!(m.iceUfrag ?? parsed.iceUfrag) || !(m.icePwd ?? parsed.icePwd)) throw new InvalidSdpError(`media section ${mid} lacks ICE credentials`);
      if (!(m.fingerprint ?? parsed.fingerprint)) throw new InvalidSdpError(`media section ${mid} lacks a DTLS fingerprint`);
    }
    if (m.type !== 'audio' && m.type !== 'video') {
      ignoredMids.push(mid);
      continue;
    }
    const wanted = m.type === 'audio' ? 'opus' : 'vp8';
    let codec: OfferSection['codec'] = wanted;
    let rtp = (m.rtp ?? []).find((r) => r.codec.toLowerCase() === wanted && (wanted !== 'opus' || r.rate === 48000));
    if (!rtp && m.type === 'video' && allowH264) {
      // H.264 only in packetization mode 1 (FU-A), the one WebRTC senders and OBS use.
      const fmtpOf = (pt: number) => (m.fmtp ?? []).find((f) => f.payload === pt)?.config ?? '';
      rtp = (m.rtp ?? []).find((r) => r.codec.toLowerCase() === 'h264' && /packetization-mode=1/.test(fmtpOf(r.payload)));
      codec = 'h264';
    }
    if (!rtp || !active) {
      ignoredMids.push(mid);
      continue;
    }
    const direction = (m.direction ?? 'sendrecv') as OfferSection['direction'];
    const fmtp = (m.fmtp ?? []).find((f) => f.payload === rtp.payload)?.config ?? '';
    const level = (m.ext ?? []).find((e) => e.uri === AUDIO_LEVEL_URI);
    sections.push({
      mid,
      kind: m.type,
      codec,
      direction,
      payloadType: rtp.payload,
      fmtp,
      audioLevelExtId: level && level.value >= 1 && level.value <= 14 ? level.value : 0,
      ssrc: primarySsrc(m),
    });
  }
  if (sections.length === 0) throw new UnsupportedOfferError(`the offer has no Opus audio or ${allowH264 ? 'VP8 or H.264' : 'VP8'} video we can use`);
  return { offer: bundleOnly.size === 0 ? sdp : withPort9(sdp, bundleOnly), sections, ignoredMids };
}

/** The mids of BUNDLE groups that have a tagged (non-zero port) m-line to share. */
function bundledMids(parsed: sdpTransform.SessionDescription): Set<string> {
  const mids = new Set<string>();
  for (const g of parsed.groups ?? []) {
    if (g.type !== 'BUNDLE') continue;
    const group = String(g.mids).split(' ');
    const tagged = parsed.media.some((m) => m.port !== 0 && group.includes(String(m.mid)));
    if (tagged) for (const mid of group) mids.add(mid);
  }
  return mids;
}

/** `sdp` with the m-lines at `indexes` given port 9 (the discard port WebRTC offers use). */
function withPort9(sdp: string, indexes: ReadonlySet<number>): string {
  let index = -1;
  return sdp
    .split(/(?<=\n)/)
    .map((line) => (line.startsWith('m=') && indexes.has(++index) ? line.replace(/^(m=\S+) 0 /, '$1 9 ') : line))
    .join('');
}

/** A WHIP offer, read (as readClientOffer) before anything is changed for it: it must send something. */
export function readIngestOffer(sdp: string, allowH264 = false): OfferPlan {
  const plan = readClientOffer(sdp, allowH264);
  if (!plan.sections.some((s) => s.direction === 'sendonly' || s.direction === 'sendrecv'))
    throw new UnsupportedOfferError('a WHIP offer must send audio or video');
  return plan;
}

/**
 * Opus with the client's fmtp, or without one (RFC 7587 makes it optional; aiortc sends none):
 * then the library's defaults. The binding refuses an explicit `undefined` profile.
 */
export function addOpus(media: { addOpusCodec(pt: number, profile?: string): void }, payloadType: number, fmtp: string): void {
  if (fmtp) media.addOpusCodec(payloadType, fmtp);
  else media.addOpusCodec(payloadType);
}

/** The media SSRC of a section: the first of its FID (RTX) group if any, else the first listed. */
function primarySsrc(m: sdpTransform.MediaDescription): number | null {
  const fid = (m.ssrcGroups ?? []).find((g) => g.semantics === 'FID');
  const first = fid ? Number(fid.ssrcs.split(' ')[0]) : Number(m.ssrcs?.[0]?.id);
  return Number.isInteger(first) && first > 0 && first <= 0xffffffff ? first : null;
}

/**
 * Candidates from a trickle-ICE SDP fragment (RFC 8840, as WHIP's PATCH carries them), with the
 * mid each belongs to. Lines we do not need are ignored; a fragment over 16 KiB is refused.
 */
export function readSdpFragment(frag: string): { ufrag: string | null; candidates: Array<{ mid: string; candidate: string }>; endOfCandidates: boolean } {
  if (frag.length > 16 * 1024) throw new InvalidSdpError('SDP fragment too large');
  let mid = '';
  let ufrag: string | null = null;
  let endOfCandidates = false;
  const candidates: Array<{ mid: string; candidate: string }> = [];
  for (const raw of frag.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('a=ice-ufrag:')) ufrag = line.slice(12);
    else if (line.startsWith('a=mid:')) mid = line.slice(6);
    else if (line.startsWith('a=candidate:')) candidates.push({ mid, candidate: normaliseCandidate(line)! });
    else if (line === 'a=end-of-candidates') endOfCandidates = true;
  }
  return { ufrag, candidates, endOfCandidates };
}
