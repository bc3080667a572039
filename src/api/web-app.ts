// The built web app over HTTP: its files from dist/web, each Space's page (/s/:id) with its
// first paint and link-preview meta filled in on the server (page-shell.ts), and index.html
// for every other page of the single-page app.
//
// Compression: the build writes .br and .gz copies of the text assets (web/tooling/precompress.ts)
// and @fastify/static picks one by Accept-Encoding (with Vary: Accept-Encoding); a Space's
// page, a few kB made per request, is compressed as it is sent.
// Caching: Vite names what is under /assets/ by content hash, so those files never change
// under their name: a year, immutable. Everything else (index.html, a Space's page, the
// preview image) is revalidated on every use (no-cache, with ETag and Last-Modified).
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { SpaceSummary } from '../protocol/messages.js';
import { renderSpacePage, type ShellSpace } from './page-shell.js';
import { sendError } from './http-errors.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** Where the page shell looks Spaces up. */
export interface PageSpaces {
  get(spaceId: string): Promise<SpaceSummary | undefined>;
  /** The Space's recording is finished and can be played. */
  replayReady(spaceId: string): Promise<boolean>;
}

export interface WebAppOptions {
  webDir: string;
  /** The server's public origin, once it listens (a test server's port is known only then). */
  publicUrl: () => string;
  spaces: PageSpaces;
  log: { warn(obj: object, msg: string): void };
}

// Vite's output names: assets/<name>-<8-character hash>.<ext>[.map], and our .br/.gz copies.
const HASHED = /-[A-Za-z0-9_-]{8}(\.[a-z0-9]+)+$/;
const SPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const NOT_THE_APP = /^\/(api|hls|recordings|whip|whep)\//;

/** Cache-Control for a file of the build, by its path on disk. */
export function cacheControlFor(webDir: string, file: string): string {
  const assets = join(webDir, 'assets') + sep;
  return file.startsWith(assets) && HASHED.test(file) ? IMMUTABLE : REVALIDATE;
}

/** The encoding to send a response in, by the request's Accept-Encoding: brotli, then gzip, else none. */
export function preferredEncoding(header: string | undefined): 'br' | 'gzip' | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim());
    if (!name) continue;
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name, q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
  const br = weight('br');
  const gzip = weight('gzip');
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return null;
}

/** An HTML page made for this request, compressed as the client accepts, never stored by caches unchecked. */
function sendHtml(req: FastifyRequest, reply: FastifyReply, html: string): FastifyReply {
  void reply.type('text/html; charset=utf-8').header('cache-control', REVALIDATE).header('vary', 'accept-encoding');
  const encoding = preferredEncoding(req.headers['accept-encoding']);
  const raw = Buffer.from(html);
  // Quality 5 / level 6: a few kB per request, where the last percent is not worth the CPU.
  if (encoding === 'br') return reply.header('content-encoding', 'br').send(brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }));
  if (encoding === 'gzip') return reply.header('content-encoding', 'gzip').send(gzipSync(raw, { level: 6 }));
  return reply.send(raw);
}

async function shellSpace(spaces: PageSpaces, id: string): Promise<ShellSpace | undefined> {
  const space = await spaces.get(id);
  if (!space) return undefined;
  return { ...space, replay: space.state === 'ended' && (await spaces.replayReady(id)) };
}

/** Serves the web app when it is built; either way, answers routes nobody else has. */
export async function registerWebApp(app: FastifyInstance, o: WebAppOptions): Promise<void> {
  const indexFile = join(o.webDir, 'index.html');
  const hasWeb = existsSync(indexFile);
  if (hasWeb) {
    const template = readFileSync(indexFile, 'utf8');
    await app.register(fastifyStatic, {
      root: o.webDir,
      wildcard: false,
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, file) => void reply.header('cache-control', cacheControlFor(o.webDir, file)),
    });
    app.get<{ Params: { id: string } }>('/s/:id', async (req, reply) => {
      const { id } = req.params;
      let space: ShellSpace | undefined;
      if (SPACE_ID.test(id)) {
        try {
          space = await shellSpace(o.spaces, id);
        } catch (err) {
          // The page still works without its first paint: the app asks again when it runs.
          o.log.warn({ err, space: id }, 'page shell: could not look the Space up');
          return sendHtml(req, reply, template);
        }
      }
      // No such Space: the plain app, which says so; nothing of the request goes into the page.
      if (!space) return sendHtml(req, reply.code(404), template);
      return sendHtml(req, reply, renderSpacePage(template, space, { publicUrl: o.publicUrl().replace(/\/+$/, '') }));
    });
  }
  // Single-page app: every other GET outside the APIs and streams serves index.html.
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && hasWeb && !NOT_THE_APP.test(req.url)) return reply.sendFile('index.html');
    return sendError(reply, 'not_found', 'no such route');
  });
  if (!hasWeb) o.log.warn({ webDir: o.webDir }, 'web app not built: run `npm run build:web`');
}
