// Security headers on every response (@fastify/helmet): a Content-Security-Policy the web app
// itself passes, no framing by other sites, nosniff, and a Referrer-Policy that sends other
// sites no paths. The app's one inline script (the theme, applied before the first paint) is
// allowed by its hash, read from the built index.html, so no other inline script can run.
// Streams and WHIP/WHEP are for players on any origin, so those may be read cross-origin.
// In a cluster, a page's join may be redirected to the WebSocket of the node that runs the
// Space: connect-src allows WebSockets (only) to the nodes the operator listed, no other host.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';

/** 'sha256-…' sources for each inline <script> of a built page. */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    out.push(`'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  }
  return out;
}

export interface SecurityOptions {
  webDir: string;
  /** Where HLS is played from when it is not this origin (a CDN): players fetch from it. */
  hlsBaseUrl: string;
  /** Served over HTTPS: browsers may be told to stay on it. */
  https: boolean;
  /** The cluster's node origins (http(s)://host[:port]) whose /ws pages may be redirected to. */
  nodeOrigins?: string[];
}

/** A node's origin as a WebSocket source: its ws: or wss: twin (which also matches the node's own http(s)). */
export function webSocketSource(origin: string): string {
  return origin.replace(/^http/, 'ws');
}

export async function registerSecurityHeaders(app: FastifyInstance, o: SecurityOptions): Promise<void> {
  const index = join(o.webDir, 'index.html');
  const scripts = existsSync(index) ? inlineScriptHashes(readFileSync(index, 'utf8')) : [];
  const hlsOrigin = /^https?:\/\//.test(o.hlsBaseUrl) ? [new URL(o.hlsBaseUrl).origin] : [];
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...scripts],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        // hls.js plays through MediaSource (blob:) and may fetch from a CDN; its worker is a blob.
        mediaSrc: ["'self'", 'blob:', ...hlsOrigin],
        connectSrc: ["'self'", ...hlsOrigin, ...(o.nodeOrigins ?? []).map(webSocketSource)],
        workerSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // For browsers that know no frame-ancestors: the same answer.
    xFrameOptions: { action: 'deny' },
    // Cross-origin isolation would stop pages on other sites from embedding a stream.
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: o.https ? { maxAge: 180 * 24 * 3600 } : false,
  });
  app.addHook('onSend', async (req, reply) => {
    if (/^\/(hls|recordings|whip|whep)\//.test(req.url)) void reply.header('cross-origin-resource-policy', 'cross-origin');
  });
}
