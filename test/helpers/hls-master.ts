// RFC 8216's rules on a master playlist's audio, as one check for unit and integration tests:
// every EXT-X-MEDIA audio group is named by some variant's AUDIO (a group no variant uses is a
// second audio stream to players), every AUDIO names a group that exists, and no group
// declares the same rendition (URI) twice.
import { parseMasterPlaylist } from '../../src/protocol/hls-playlists.js';

/** What is wrong with a master playlist's audio declarations: [] when nothing. */
export function masterAudioProblems(text: string): string[] {
  const m = parseMasterPlaylist(text, 'http://127.0.0.1/master.m3u8');
  const problems: string[] = [];
  const groups = new Set(m.audio.map((a) => a.groupId));
  const used = new Set(m.variants.map((v) => v.audioGroup).filter((g): g is string => g !== null));
  for (const g of groups) if (!used.has(g)) problems.push(`audio group "${g}" is named by no variant`);
  for (const g of used) if (!groups.has(g)) problems.push(`a variant names audio group "${g}", which is not declared`);
  const seen = new Set<string>();
  for (const a of m.audio) {
    const id = `${a.groupId} ${a.uri ?? ''}`;
    if (seen.has(id)) problems.push(`audio rendition ${a.uri ?? '(muxed)'} declared twice in "${a.groupId}"`);
    seen.add(id);
  }
  if (m.variants.length === 0) problems.push('no variant');
  return problems;
}
