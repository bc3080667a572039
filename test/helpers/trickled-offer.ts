// A WHIP or WHEP session from a node-datachannel client that trickles its candidates, as
// simple-whip-client does by default: the offer goes without candidates, the answer is applied,
// then the candidates follow in a PATCH (RFC 8840 fragment).
//
// Why the tests' libdatachannel clients trickle: when their offer carries candidates, the
// server's connectivity checks can reach the client before it applies the answer. On a loaded
// machine libdatachannel then connects ICE on its own thread while it is still storing the
// remote description, starts DTLS without the server's fingerprint, fails, and throws "Got a
// remote candidate without ICE transport" from setRemoteDescription (seen in CI and under
// stress-ng). Trickling keeps the server silent until the client has our answer.
import type { PeerConnection } from 'node-datachannel';
import { waitFor } from './clients.js';

export interface TrickledSession {
  status: number;
  /** The answer's body when 201, else the error body. */
  body: string;
  /** The session's URL (from Location) when 201. */
  resource: string | null;
  /** The offer as posted. */
  offer: string;
  /** The POST's response headers. */
  headers: Headers;
}

const CANDIDATE_LINE = /^a=(candidate:[^\r\n]*|end-of-candidates)\r?\n/gm;

/**
 * Posts `pc`'s offer without candidates (after `shape` rewrites it, e.g. into GStreamer's
 * bundle-only form), applies the answer, then PATCHes the candidates to the session.
 */
export async function trickledSession(
  url: string,
  pc: PeerConnection,
  opts: { bearer?: string; shape?: (offer: string) => string } = {},
): Promise<TrickledSession> {
  pc.setLocalDescription('offer');
  await waitFor(() => pc.gatheringState() === 'complete', 10_000, 'candidates gathered');
  const full = pc.localDescription()!.sdp;
  const candidates = full.match(CANDIDATE_LINE)?.filter((l) => l.startsWith('a=candidate:')) ?? [];
  const offer = (opts.shape ?? ((s) => s))(full.replace(CANDIDATE_LINE, ''));
  const auth: Record<string, string> = opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {};
  const res = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/sdp' }, body: offer });
  const body = await res.text();
  if (res.status !== 201) return { status: res.status, body, resource: null, offer, headers: res.headers };
  const resource = new URL(res.headers.get('location')!, url).href;
  pc.setRemoteDescription(body, 'answer');
  // One bundle: every candidate belongs to the first m-line's mid.
  const mid = /\r\na=mid:(\S+)/.exec(full)![1]!;
  const ufrag = /\r\na=ice-ufrag:(\S+)/.exec(full)![1]!;
  const pwd = /\r\na=ice-pwd:(\S+)/.exec(full)![1]!;
  const frag = [
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    'm=audio 9 UDP/TLS/RTP/SAVPF 0',
    `a=mid:${mid}`,
    ...candidates.map((l) => l.trim()),
    'a=end-of-candidates',
    '',
  ].join('\r\n');
  const patched = await fetch(resource, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag' }, body: frag });
  if (patched.status !== 204) throw new Error(`PATCH of the candidates: ${patched.status} ${await patched.text()}`);
  return { status: 201, body, resource, offer, headers: res.headers };
}
