// RFC 8216's rules for every tag our HLS origin writes, checked line by line, as Apple's
// validator would: the master (variants, the audio group, BANDWIDTH against the peak segment
// bit rate the segments really carry), each media playlist (version, target duration, media
// and discontinuity sequences, program date-times, playlist type and end), and, live, what may
// change between two reloads of one playlist (§6.2.1: only appended, or removed from the front
// with the sequence numbers counting them). The pure checks take text, so each rule is
// unit-tested on bad playlists; checkHls fetches a master and everything under it.
import { averageSegmentBitRate, peakSegmentBitRate, type SizedSegment } from '../../src/egress/hls-playlist.js';

/** `KEY=value` pairs, quoted values kept with their quotes (quoting is part of the rules). */
function rawAttributes(list: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Z0-9-]+)=("[^"\r\n]*"|[^",]*)(,|$)/g;
  for (let m = re.exec(list); m; m = re.exec(list)) out.set(m[1]!, m[2]!);
  return out;
}
const unquote = (v: string | undefined) => (v?.startsWith('"') ? v.slice(1, -1) : v);
const QUOTED = new Set(['URI', 'GROUP-ID', 'NAME', 'LANGUAGE', 'CHANNELS', 'CODECS', 'AUDIO']);
const DECIMAL_INTEGER = /^\d{1,20}$/;
const PROGRAM_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function attributeProblems(tag: string, attrs: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [k, v] of attrs) {
    if (QUOTED.has(k) !== v.startsWith('"')) problems.push(`${tag} ${k}=${v}: ${QUOTED.has(k) ? 'must be' : 'must not be'} a quoted string`);
  }
  return problems;
}

function headerProblems(lines: string[]): string[] {
  const problems: string[] = [];
  if (lines[0] !== '#EXTM3U') problems.push('the first line is not #EXTM3U');
  const versions = lines.filter((l) => l.startsWith('#EXT-X-VERSION:'));
  if (versions.length !== 1) problems.push(`${versions.length} EXT-X-VERSION tags (one is needed for what we use)`);
  else if (!/^#EXT-X-VERSION:[1-7]$/.test(versions[0]!)) problems.push(`${versions[0]}: RFC 8216 defines versions 1 to 7`);
  return problems;
}

export interface MasterVariant {
  uri: string;
  bandwidth: number;
  averageBandwidth: number | null;
  audioGroup: string | null;
}
export interface MasterCheck {
  problems: string[];
  variants: MasterVariant[];
  /** GROUP-ID -> the URIs of its audio renditions. */
  audioGroups: Map<string, string[]>;
}

/** A master playlist's rules (§4.3.4.1, §4.3.4.2, §4.3.4.1.1). */
export function checkMasterText(text: string): MasterCheck {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const problems = headerProblems(lines);
  const variants: MasterVariant[] = [];
  const audioGroups = new Map<string, string[]>();
  const defaults = new Map<string, number>();
  const names = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = rawAttributes(line.slice(13));
      problems.push(...attributeProblems('EXT-X-MEDIA', a));
      const type = a.get('TYPE');
      const group = unquote(a.get('GROUP-ID'));
      const name = unquote(a.get('NAME'));
      if (!['AUDIO', 'VIDEO', 'SUBTITLES', 'CLOSED-CAPTIONS'].includes(type ?? '')) problems.push(`EXT-X-MEDIA TYPE=${type}: not a media type`);
      if (!group) problems.push('EXT-X-MEDIA without GROUP-ID');
      if (!name) problems.push('EXT-X-MEDIA without NAME');
      for (const k of ['DEFAULT', 'AUTOSELECT']) if (a.has(k) && !['YES', 'NO'].includes(a.get(k)!)) problems.push(`EXT-X-MEDIA ${k}=${a.get(k)}: YES or NO`);
      if (a.get('DEFAULT') === 'YES' && a.has('AUTOSELECT') && a.get('AUTOSELECT') !== 'YES') problems.push('EXT-X-MEDIA DEFAULT=YES needs AUTOSELECT=YES');
      if (group && a.get('DEFAULT') === 'YES') defaults.set(group, (defaults.get(group) ?? 0) + 1);
      if (group && name) {
        if (names.has(`${group}/${name}`)) problems.push(`EXT-X-MEDIA NAME "${name}" twice in group "${group}"`);
        names.add(`${group}/${name}`);
      }
      if (type === 'AUDIO' && group) audioGroups.set(group, [...(audioGroups.get(group) ?? []), ...(a.has('URI') ? [unquote(a.get('URI'))!] : [])]);
    } else if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const a = rawAttributes(line.slice(18));
      problems.push(...attributeProblems('EXT-X-STREAM-INF', a));
      const uri = lines[i + 1];
      if (uri === undefined || uri.startsWith('#')) problems.push(`${line}: not followed by its URI`);
      const bandwidth = a.get('BANDWIDTH');
      if (!bandwidth || !DECIMAL_INTEGER.test(bandwidth)) problems.push(`${line}: BANDWIDTH must be a decimal integer`);
      const average = a.get('AVERAGE-BANDWIDTH');
      if (average !== undefined && !DECIMAL_INTEGER.test(average)) problems.push(`${line}: AVERAGE-BANDWIDTH must be a decimal integer`);
      const codecs = unquote(a.get('CODECS'));
      if (!codecs) problems.push(`${line}: no CODECS`);
      const resolution = a.get('RESOLUTION');
      if (resolution !== undefined && !/^\d+x\d+$/.test(resolution)) problems.push(`${line}: RESOLUTION must be WIDTHxHEIGHT`);
      const fps = a.get('FRAME-RATE');
      if (fps !== undefined && !/^\d+(\.\d+)?$/.test(fps)) problems.push(`${line}: FRAME-RATE must be a decimal-floating-point`);
      const audio = unquote(a.get('AUDIO')) ?? null;
      // CODECS lists every format of every rendition the variant plays (§4.3.4.2).
      if (audio && codecs && !/mp4a|opus|ac-3|ec-3|flac/.test(codecs)) problems.push(`${line}: CODECS leaves out its audio rendition's codec`);
      if (uri !== undefined && !uri.startsWith('#')) {
        variants.push({ uri, bandwidth: Number(bandwidth), averageBandwidth: average === undefined ? null : Number(average), audioGroup: audio });
        i++;
      }
    } else if (line.startsWith('#EXTINF:') || line.startsWith('#EXT-X-TARGETDURATION:') || line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) {
      problems.push(`${line.split(':')[0]}: a media playlist tag in a master playlist`);
    } else if (line.startsWith('#EXT') && !line.startsWith('#EXT-X-VERSION:') && line !== '#EXT-X-INDEPENDENT-SEGMENTS') {
      problems.push(`${line}: a tag this check does not know (add its rules)`);
    } else if (!line.startsWith('#')) problems.push(`${line}: a URI that follows no EXT-X-STREAM-INF`);
  }
  for (const [group, n] of defaults) if (n > 1) problems.push(`audio group "${group}" has ${n} DEFAULT=YES renditions`);
  const used = new Set(variants.map((v) => v.audioGroup).filter((g) => g !== null));
  for (const g of audioGroups.keys()) if (!used.has(g)) problems.push(`audio group "${g}" is named by no variant`);
  for (const g of used) if (!audioGroups.has(g)) problems.push(`a variant names audio group "${g}", which is not declared`);
  if (variants.length === 0) problems.push('no variant');
  return { problems, variants, audioGroups };
}

export interface MediaSegment {
  seq: number;
  uri: string;
  duration: number;
  map: string | null;
  /** Its discontinuity sequence number (§4.3.3.3). */
  discontinuity: number;
}
export interface MediaCheck {
  problems: string[];
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  playlistType: string | null;
  ended: boolean;
  segments: MediaSegment[];
}

/** A media playlist's rules (§4.3.2, §4.3.3, §7), on its own; `final`: a finished presentation (a replay). */
export function checkMediaText(text: string, final: boolean): MediaCheck {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const problems = headerProblems(lines);
  const version = Number(lines.find((l) => l.startsWith('#EXT-X-VERSION:'))?.slice(15) ?? 1);
  const once = (tag: string) => {
    const found = lines.filter((l) => l.startsWith(`${tag}:`));
    if (found.length > 1) problems.push(`${found.length} ${tag} tags`);
    return found[0]?.slice(tag.length + 1);
  };
  const target = once('#EXT-X-TARGETDURATION');
  if (target === undefined || !DECIMAL_INTEGER.test(target)) problems.push(`EXT-X-TARGETDURATION must be present, a decimal integer (${target})`);
  const targetDuration = Number(target);
  const mediaSequence = Number(once('#EXT-X-MEDIA-SEQUENCE') ?? 0);
  const discontinuitySequence = Number(once('#EXT-X-DISCONTINUITY-SEQUENCE') ?? 0);
  const playlistType = once('#EXT-X-PLAYLIST-TYPE') ?? null;
  if (playlistType !== null && !['VOD', 'EVENT'].includes(playlistType)) problems.push(`EXT-X-PLAYLIST-TYPE:${playlistType}: VOD or EVENT`);
  const ended = lines.includes('#EXT-X-ENDLIST');
  if (final && !ended) problems.push('a finished presentation without EXT-X-ENDLIST');
  if (!final && ended) problems.push('EXT-X-ENDLIST in a live playlist');
  if (final && playlistType !== 'VOD') problems.push(`a finished presentation is EXT-X-PLAYLIST-TYPE:VOD, not ${playlistType}`);
  if (playlistType === 'VOD' && !ended) problems.push('EXT-X-PLAYLIST-TYPE:VOD without EXT-X-ENDLIST');
  const segments: MediaSegment[] = [];
  let duration: number | null = null;
  let map: string | null = null;
  let mapChanged = false;
  let discontinuity = discontinuitySequence;
  let discontinuityHere = false;
  let lastDateMs = -Infinity;
  for (const line of lines.slice(1)) {
    if (line.startsWith('#EXTINF:')) {
      const m = /^#EXTINF:(\d+(?:\.\d+)?),/.exec(line);
      if (!m) problems.push(`${line}: EXTINF is <duration>,[<title>]`);
      duration = m ? Number(m[1]) : 0;
      if (m?.[1]!.includes('.') && version < 3) problems.push(`${line}: a decimal duration needs EXT-X-VERSION 3`);
      if (Math.round(duration) > targetDuration) problems.push(`${line}: rounded, longer than EXT-X-TARGETDURATION ${targetDuration}`);
    } else if (line.startsWith('#EXT-X-MAP:')) {
      const a = rawAttributes(line.slice(11));
      problems.push(...attributeProblems('EXT-X-MAP', a));
      if (version < 6) problems.push('EXT-X-MAP in a media playlist needs EXT-X-VERSION 6');
      const uri = unquote(a.get('URI')) ?? null;
      if (!uri) problems.push('EXT-X-MAP without URI');
      mapChanged = map !== null && uri !== map;
      map = uri;
    } else if (line === '#EXT-X-DISCONTINUITY') {
      discontinuity++;
      discontinuityHere = true;
    } else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      const value = line.slice(25);
      const ms = Date.parse(value);
      if (!PROGRAM_DATE_TIME.test(value) || Number.isNaN(ms)) problems.push(`${line}: not an ISO 8601 date-time with a time zone`);
      else if (ms < lastDateMs && !discontinuityHere) problems.push(`${line}: earlier than the segment before it, without a discontinuity`);
      else lastDateMs = ms;
    } else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:') || line.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE:')) {
      if (segments.length > 0 || duration !== null) problems.push(`${line.split(':')[0]} after the first segment`);
      if (!DECIMAL_INTEGER.test(line.split(':')[1]!)) problems.push(`${line}: a decimal integer`);
    } else if (!line.startsWith('#')) {
      if (duration === null) problems.push(`${line}: a segment URI without EXTINF`);
      // A new init segment is a new encoding (a restarted encoder): a player must be told (§4.3.2.3).
      if (mapChanged && !discontinuityHere) problems.push(`${line}: a new EXT-X-MAP without EXT-X-DISCONTINUITY`);
      segments.push({ seq: mediaSequence + segments.length, uri: line, duration: duration ?? 0, map, discontinuity });
      duration = null;
      mapChanged = false;
      discontinuityHere = false;
    } else if (
      line.startsWith('#EXT') &&
      !['#EXT-X-VERSION:', '#EXT-X-TARGETDURATION:', '#EXT-X-PLAYLIST-TYPE:'].some((t) => line.startsWith(t)) &&
      !['#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-ENDLIST'].includes(line)
    ) {
      problems.push(`${line}: a tag this check does not know (add its rules)`);
    }
  }
  if (segments.some((s) => s.map !== null) && segments[0]?.map === null) problems.push('EXT-X-MAP after the first segment, not before it');
  return { problems, targetDuration, mediaSequence, discontinuitySequence, playlistType, ended, segments };
}

/** What may change between two loads of one live or EVENT playlist (§6.2.1, §6.2.2). */
export function checkReload(before: MediaCheck, after: MediaCheck): string[] {
  const problems: string[] = [];
  if (after.targetDuration !== before.targetDuration) problems.push(`EXT-X-TARGETDURATION changed from ${before.targetDuration} to ${after.targetDuration}`);
  if (after.mediaSequence < before.mediaSequence) problems.push(`EXT-X-MEDIA-SEQUENCE went back from ${before.mediaSequence} to ${after.mediaSequence}`);
  if (after.discontinuitySequence < before.discontinuitySequence) problems.push(`EXT-X-DISCONTINUITY-SEQUENCE went back from ${before.discontinuitySequence}`);
  if (before.playlistType === 'EVENT' && after.mediaSequence !== before.mediaSequence) problems.push('an EVENT playlist removed segments');
  const lastBefore = before.segments.at(-1)?.seq ?? -1;
  const lastAfter = after.segments.at(-1)?.seq ?? -1;
  if (lastAfter < lastBefore) problems.push(`segment ${lastBefore} vanished from the end`);
  const bySeq = new Map(after.segments.map((s) => [s.seq, s]));
  for (const s of before.segments) {
    const now = bySeq.get(s.seq);
    if (!now) {
      if (s.seq >= after.mediaSequence && s.seq <= lastAfter) problems.push(`segment ${s.seq} vanished from the middle`);
      continue;
    }
    if (now.uri !== s.uri) problems.push(`sequence number ${s.seq} was ${s.uri}, now ${now.uri}`);
    if (now.duration !== s.duration) problems.push(`segment ${s.seq} was ${s.duration} s, now ${now.duration} s`);
    if (now.discontinuity !== s.discontinuity) problems.push(`segment ${s.seq} was in discontinuity sequence ${s.discontinuity}, now ${now.discontinuity}`);
  }
  return problems;
}

/** A variant's declared BANDWIDTH against the peak its segments measured, and (`measuredAverage`, a finished presentation) AVERAGE-BANDWIDTH. */
export function bandwidthProblems(v: MasterVariant, measuredPeak: number, measuredAverage?: number): string[] {
  const problems: string[] = [];
  if (measuredPeak > v.bandwidth) problems.push(`${v.uri}: BANDWIDTH ${v.bandwidth} < measured peak segment bit rate ${Math.round(measuredPeak)}`);
  if (measuredAverage !== undefined && v.averageBandwidth !== null && measuredAverage > v.averageBandwidth) {
    problems.push(`${v.uri}: AVERAGE-BANDWIDTH ${v.averageBandwidth} < measured ${Math.round(measuredAverage)}`);
  }
  return problems;
}

/** The peak over runs of consecutive sequence numbers only (a gap in what was sampled is not a run). */
function peakOf(segments: Array<SizedSegment & { seq: number }>, target: number): number {
  let peak = 0;
  let run: SizedSegment[] = [];
  for (let i = 0; i < segments.length; i++) {
    if (i > 0 && segments[i]!.seq !== segments[i - 1]!.seq + 1) {
      peak = Math.max(peak, peakSegmentBitRate(run, target));
      run = [];
    }
    run.push(segments[i]!);
  }
  return Math.max(peak, peakSegmentBitRate(run, target));
}

export interface VariantMeasure {
  uri: string;
  declared: number;
  declaredAverage: number | null;
  /** Peak segment bit rate: the variant's own playlist's plus its audio rendition's (§4.3.4.2: the sum of peaks). */
  peak: number;
  average: number;
  segments: number;
}
export interface HlsConformance {
  problems: string[];
  /** Playlists and segments a player was refused (not 200): RFC 8216 §6.2.2 keeps a removed segment available a while. */
  unavailable: string[];
  /** Media playlists a load of which had an EXT-X-DISCONTINUITY tag in its window. */
  discontinuous: string[];
  variants: VariantMeasure[];
}

/**
 * Fetches a master, then every media playlist under it and every segment they list, and
 * checks them all. Live (`liveUntil`), each playlist is reloaded every half second until that
 * settles (and once more), each reload checked against the one before, and the bit rates are
 * measured over every segment seen; a finished presentation is read once, whole.
 */
export async function checkHls(masterUrl: string, opts: { liveUntil?: Promise<unknown> }): Promise<HlsConformance> {
  const final = opts.liveUntil === undefined;
  let sampling = !final;
  void opts.liveUntil?.finally(() => (sampling = false));
  const problems: string[] = [];
  const unavailable: string[] = [];
  const masterRes = await fetch(masterUrl);
  if (masterRes.status !== 200) return { problems: [], unavailable: [`master: HTTP ${masterRes.status}`], discontinuous: [], variants: [] };
  const master = checkMasterText(await masterRes.text());
  problems.push(...master.problems.map((p) => `master: ${p}`));
  const playlists = new Set(master.variants.map((v) => new URL(v.uri, masterUrl).href));
  for (const uris of master.audioGroups.values()) for (const u of uris) playlists.add(new URL(u, masterUrl).href);

  const sizes = new Map<string, number>();
  const seen = new Map<string, Map<number, MediaSegment>>();
  const last = new Map<string, MediaCheck>();
  const fetched = new Set<string>();
  const discontinuous = new Set<string>();
  const load = async (url: string) => {
    const res = await fetch(url);
    if (res.status !== 200) {
      await res.arrayBuffer();
      return void unavailable.push(`${url}: HTTP ${res.status}`);
    }
    const text = await res.text();
    const check = checkMediaText(text, final);
    if (text.includes('\n#EXT-X-DISCONTINUITY\n')) discontinuous.add(url);
    problems.push(...check.problems.map((p) => `${url}: ${p}`));
    const before = last.get(url);
    if (before) problems.push(...checkReload(before, check).map((p) => `${url} reloaded: ${p}`));
    last.set(url, check);
    const segs = seen.get(url) ?? new Map<number, MediaSegment>();
    seen.set(url, segs);
    for (const s of check.segments) {
      segs.set(s.seq, s);
      for (const file of [s.uri, ...(s.map ? [s.map] : [])]) {
        const abs = new URL(file, url).href;
        if (fetched.has(abs)) continue;
        fetched.add(abs);
        const r = await fetch(abs);
        const body = await r.arrayBuffer();
        if (r.status !== 200) unavailable.push(`${abs}: HTTP ${r.status}`);
        else if (file === s.uri) sizes.set(`${url} ${s.seq}`, body.byteLength);
      }
    }
  };
  do {
    for (const url of playlists) await load(url);
    if (sampling) await new Promise((r) => setTimeout(r, 500));
  } while (sampling);
  // What it waited for may have failed: the caller awaits it too; here it only ends the sampling.
  await opts.liveUntil?.catch(() => undefined);

  const rates = new Map<string, { peak: number; average: number; count: number }>();
  for (const [url, segs] of seen) {
    const sized = [...segs.values()]
      .sort((a, b) => a.seq - b.seq)
      .filter((s) => sizes.has(`${url} ${s.seq}`))
      .map((s) => ({ seq: s.seq, duration: s.duration, bytes: sizes.get(`${url} ${s.seq}`)! }));
    rates.set(url, { peak: peakOf(sized, last.get(url)!.targetDuration), average: averageSegmentBitRate(sized), count: sized.length });
  }
  const variants: VariantMeasure[] = [];
  for (const v of master.variants) {
    const own = rates.get(new URL(v.uri, masterUrl).href);
    if (!own) continue;
    // The rendition it plays with: the group's (ours has one); none if the variant is that same playlist.
    const audioUri = v.audioGroup ? master.audioGroups.get(v.audioGroup)?.[0] : undefined;
    const audio = audioUri && audioUri !== v.uri ? rates.get(new URL(audioUri, masterUrl).href) : undefined;
    const peak = own.peak + (audio?.peak ?? 0);
    const average = own.average + (audio?.average ?? 0);
    problems.push(...bandwidthProblems(v, peak, final ? average : undefined).map((p) => `master: ${p}`));
    variants.push({ uri: v.uri, declared: v.bandwidth, declaredAverage: v.averageBandwidth, peak, average, segments: own.count });
  }
  return { problems, unavailable, discontinuous: [...discontinuous], variants };
}

/** One line per variant for t.diagnostic: declared against measured. */
export function describeMeasures(variants: readonly VariantMeasure[]): string[] {
  const k = (bps: number) => `${(bps / 1000).toFixed(1)} kbit/s`;
  return variants.map(
    (v) =>
      `${v.uri}: BANDWIDTH ${k(v.declared)}, measured peak ${k(v.peak)} (${((v.peak / v.declared) * 100).toFixed(1)} % of it); ` +
      `AVERAGE-BANDWIDTH ${v.declaredAverage === null ? '-' : k(v.declaredAverage)}, measured ${k(v.average)}; ${v.segments} segments`,
  );
}
