// An ICE candidate line a client sends (trickled over signalling, or in a WHIP/WHEP PATCH),
// checked against RFC 8839's grammar before libdatachannel sees it: the library throws on
// lines it cannot read, and a client's garbage must be a clear refusal, not an internal error.
import { InvalidSdpError } from './sdp.js';

const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
const TOKEN = /^[\x21-\x7e]{1,256}$/;
const TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
/** A host name, as browsers hide local addresses behind mDNS names (RFC 8839 allows FQDNs). */
const FQDN = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export class InvalidCandidateError extends InvalidSdpError {
  override readonly name = 'InvalidCandidateError';
}

/**
 * The candidate in the "candidate:…" form libdatachannel takes, or null for an empty one (the
 * end of candidates, which needs nothing done). Throws InvalidCandidateError for anything else.
 */
export function normaliseCandidate(input: string): string | null {
  const line = input.trim().replace(/^a=/, '');
  if (line === '') return null;
  const body = line.startsWith('candidate:') ? line.slice('candidate:'.length) : line;
  const f = body.split(' ');
  if (f.length < 8 || f.length % 2 !== 0)
    throw new InvalidCandidateError('not an ICE candidate (candidate:foundation component transport priority address port typ type ...)');
  const [foundation, component, transport, priority, address, port, typ, type] = f as [string, string, string, string, string, string, string, string];
  if (!FOUNDATION.test(foundation)) throw new InvalidCandidateError('candidate: bad foundation');
  if (!/^\d{1,3}$/.test(component) || Number(component) < 1 || Number(component) > 256) throw new InvalidCandidateError('candidate: bad component id');
  if (!/^(udp|tcp)$/i.test(transport)) throw new InvalidCandidateError('candidate: transport must be UDP or TCP');
  if (!/^\d{1,10}$/.test(priority) || Number(priority) > 0xffffffff) throw new InvalidCandidateError('candidate: bad priority');
  if (!(IPV4.test(address) || (address.includes(':') && IPV6.test(address)) || FQDN.test(address))) throw new InvalidCandidateError('candidate: bad address');
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new InvalidCandidateError('candidate: bad port');
  if (typ !== 'typ' || !TYPES.has(type)) throw new InvalidCandidateError('candidate: bad type');
  for (let i = 8; i < f.length; i++) if (!TOKEN.test(f[i]!)) throw new InvalidCandidateError('candidate: bad extension');
  return `candidate:${body}`;
}
