// The HLS origin: live playlists and segments of each Space, and recordings (VOD). Everything
// here is made to sit behind an HTTP cache or CDN (docs/deploy/nginx.conf): live playlists
// change every segment, so they are cacheable for one second; segments never change, so
// they are cacheable for a year; a miss while a stream is starting is cacheable for a second.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Counter } from 'prom-client';
import type { SpaceService } from '../app/space-service.js';
import { sendError } from './http-errors.js';
import type { OwnerForwarding } from './owner-forwarding.js';

const PLAYLIST = 'application/vnd.apple.mpegurl';
const LIVE_PLAYLIST_CACHE = 'public, max-age=1';
const MASTER_CACHE = 'public, max-age=5';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const RUN_TAG = /^r[a-z0-9]{1,16}$/;

export type HlsRequestKind = 'playlist' | 'segment' | 'miss';

function missing(reply: FastifyReply, what: string): FastifyReply {
  // Cached briefly: a crowd asking for a stream that is still starting must not all reach us.
  return sendError(reply, 'not_found', `${what} is not available`, { 'cache-control': 'public, max-age=1' });
}

function contentType(name: string): string {
  if (name.endsWith('.m3u8')) return PLAYLIST;
  return name.endsWith('.m4s') ? 'video/iso.segment' : 'video/mp4';
}

/** Sends a file if it exists; false (nothing sent) if not. */
async function sendFile(reply: FastifyReply, path: string, cacheControl: string): Promise<boolean> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    return false;
  }
  // Not returned: a reply is thenable, and awaiting it here would wait for the response to finish.
  void reply.header('cache-control', cacheControl).type(contentType(path)).send(body);
  return true;
}

// In a cluster only the owner of a live Space encodes its HLS. Any other node proxies the
// request to the owner rather than redirecting to it: the cache (nginx, a CDN) in front of the
// nodes then has one origin, the cluster, whichever node it reaches, and the player one URL;
// a 307 would make the cache keep a redirect per node, and each owner a public address of its
// own. A segment is small and cached for a year after its first fetch, so the extra hop is
// paid about once per segment and edge. Recordings are on shared storage: every node serves them.
export function registerHlsRoutes(app: FastifyInstance, spaces: SpaceService, requests: Counter<'kind'>, forwarding: OwnerForwarding): void {
  const count = (kind: HlsRequestKind) => requests.inc({ kind });
  // Players on any origin (an embed, a third-party app) may read the streams.
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/hls/') || req.url.startsWith('/recordings/')) void reply.header('access-control-allow-origin', '*');
  });

  app.get<{ Params: { space: string; file: string } }>('/hls/:space/:file', async (req, reply) => {
    const { space, file } = req.params;
    if (SPACE_ID.test(space) && (await forwarding.handled(req, reply, space, 'unavailable'))) return reply;
    const egress = SPACE_ID.test(space) ? spaces.egressOf(space) : undefined;
    if (!egress) return (count('miss'), missing(reply, 'this live stream'));
    if (file === 'master.m3u8') {
      count('playlist');
      return reply.header('cache-control', MASTER_CACHE).type(PLAYLIST).send(egress.master);
    }
    const rendition = file === 'audio.m3u8' ? 'audio' : file === 'video.m3u8' ? 'video' : file === 'low.m3u8' ? 'low' : null;
    const text = rendition && egress.playlist(rendition);
    if (!text) return (count('miss'), missing(reply, 'this playlist'));
    count('playlist');
    return reply.header('cache-control', LIVE_PLAYLIST_CACHE).type(PLAYLIST).send(text);
  });

  app.get<{ Params: { space: string; run: string; file: string } }>('/hls/:space/:run/:file', async (req, reply) => {
    const { space, run, file } = req.params;
    if (SPACE_ID.test(space) && RUN_TAG.test(run) && (await forwarding.handled(req, reply, space, 'unavailable'))) return reply;
    const egress = SPACE_ID.test(space) && RUN_TAG.test(run) ? spaces.egressOf(space) : undefined;
    const path = egress?.filePath(run, file);
    if (!path || !(await sendFile(reply, path, IMMUTABLE))) return (count('miss'), missing(reply, 'this segment'));
    count('segment');
    return reply;
  });

  app.get<{ Params: { id: string; file: string } }>('/recordings/:id/:file', async (req, reply) => {
    const { id, file } = req.params;
    const path = spaces.recordings.filePath(id, file);
    // A finished recording never changes; one still being made has a growing EVENT playlist.
    const final = path?.endsWith('.m3u8') ? await isFinal(path) : true;
    if (!path || !(await sendFile(reply, path, final ? IMMUTABLE : LIVE_PLAYLIST_CACHE))) return missing(reply, 'this recording');
    return reply;
  });
}

async function isFinal(playlistPath: string): Promise<boolean> {
  try {
    const text = await readFile(playlistPath, 'utf8');
    return text.includes('#EXT-X-ENDLIST') || playlistPath.endsWith('master.m3u8');
  } catch {
    return false;
  }
}
