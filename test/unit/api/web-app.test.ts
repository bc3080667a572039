// The web app's HTTP side through a real Fastify instance (inject) over a small built app in a
// temp directory: Accept-Encoding negotiation, Cache-Control by file, a Space's page and what
// an unknown or malformed Space id gets. The real build and server: test/integration/web-delivery.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { cacheControlFor, IMMUTABLE, preferredEncoding, registerWebApp, REVALIDATE, type PageSpaces } from '../../../src/api/web-app.js';
import type { SpaceSummary } from '../../../src/protocol/messages.js';

const INDEX = '<!doctype html><html><head><title>Spaces</title></head><body><div id="root"></div></body></html>';
const JS = `console.log(${JSON.stringify('x'.repeat(2000))});`;

describe('preferredEncoding', () => {
  it('prefers brotli, then gzip, and honours q-values and *', () => {
    assert.equal(preferredEncoding(undefined), null);
    assert.equal(preferredEncoding(''), null);
    assert.equal(preferredEncoding('gzip, deflate, br, zstd'), 'br');
    assert.equal(preferredEncoding('gzip'), 'gzip');
    assert.equal(preferredEncoding('identity'), null);
    assert.equal(preferredEncoding('br;q=0, gzip'), 'gzip');
    assert.equal(preferredEncoding('br;q=0.5, gzip;q=0.9'), 'gzip');
    assert.equal(preferredEncoding('*'), 'br');
    assert.equal(preferredEncoding('*, br;q=0'), 'gzip');
    assert.equal(preferredEncoding('GZIP ; q=1'), 'gzip');
  });
});

describe('cacheControlFor', () => {
  it('a year and immutable for hashed files under assets/, revalidation for the rest', () => {
    const root = '/srv/web';
    assert.equal(cacheControlFor(root, '/srv/web/assets/index-B3jFDO4W.js'), IMMUTABLE);
    assert.equal(cacheControlFor(root, '/srv/web/assets/index-BtpzI-dh.css.br'), IMMUTABLE);
    assert.equal(cacheControlFor(root, '/srv/web/assets/hls-D6a35TnA.js.map'), IMMUTABLE);
    assert.equal(cacheControlFor(root, '/srv/web/index.html'), REVALIDATE);
    assert.equal(cacheControlFor(root, '/srv/web/index.html.gz'), REVALIDATE);
    assert.equal(cacheControlFor(root, '/srv/web/preview.png'), REVALIDATE);
    assert.equal(cacheControlFor(root, '/srv/web/assets/logo.svg'), REVALIDATE, 'not hashed');
    assert.equal(cacheControlFor(root, '/srv/web/other-B3jFDO4W.js'), REVALIDATE, 'hashed names count only under assets/');
  });
});

describe('registerWebApp', () => {
  let dir: string;
  let app: FastifyInstance;
  const spaces = new Map<string, SpaceSummary>();
  let failLookups = false;
  const lookups: string[] = [];
  const pageSpaces: PageSpaces = {
    get: async (id) => {
      lookups.push(id);
      if (failLookups) throw new Error('database down');
      return spaces.get(id);
    },
    replayReady: async (id) => id === 'withReplay',
  };
  const summary = (id: string, over: Partial<SpaceSummary> = {}): SpaceSummary => ({
    id,
    title: 'A talk',
    state: 'live',
    hostId: 'u1',
    hostHandle: 'alice',
    scheduledFor: null,
    startedAt: null,
    endedAt: null,
    recording: false,
    kind: 'space',
    ...over,
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spaces-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets/index-AbCd1234.js'), JS);
    writeFileSync(join(dir, 'assets/index-AbCd1234.js.br'), brotliCompressSync(JS));
    writeFileSync(join(dir, 'assets/index-AbCd1234.js.gz'), gzipSync(JS));
    spaces.set('live1', summary('live1'));
    spaces.set('withReplay', summary('withReplay', { state: 'ended', endedAt: '2024-05-01T10:00:00Z' }));
    app = Fastify();
    await registerWebApp(app, { webDir: dir, publicUrl: () => 'http://example.test/', spaces: pageSpaces, log: { warn: () => undefined } });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [accept, encoding, decode] of [
    ['br', 'br', brotliDecompressSync],
    ['gzip', 'gzip', gunzipSync],
    ['', undefined, (b: Buffer) => b],
  ] as const) {
    it(`sends a hashed asset ${encoding ?? 'uncompressed'} for Accept-Encoding "${accept}", immutable, with Vary`, async () => {
      const res = await app.inject({ url: '/assets/index-AbCd1234.js', headers: accept ? { 'accept-encoding': accept } : {} });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-encoding'], encoding);
      assert.match(String(res.headers.vary), /accept-encoding/i);
      assert.equal(res.headers['cache-control'], IMMUTABLE);
      assert.match(String(res.headers['content-type']), /javascript/);
      assert.equal(decode(res.rawPayload).toString(), JS);
    });
  }

  it('sends index.html and the SPA fallback to be revalidated', async () => {
    for (const url of ['/', '/signin', '/some/where']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['cache-control'], REVALIDATE, url);
      assert.equal(res.body, INDEX, url);
    }
  });

  it("fills a Space's page, compressed as accepted", async () => {
    const res = await app.inject({ url: '/s/live1', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers['cache-control'], REVALIDATE);
    assert.match(String(res.headers.vary), /accept-encoding/i);
    const html = brotliDecompressSync(res.rawPayload).toString();
    assert.ok(html.includes('<h1>A talk</h1>'));
    assert.ok(html.includes('<meta property="og:url" content="http://example.test/s/live1" />'), 'no doubled slash after the origin');
    const replay = await app.inject({ url: '/s/withReplay' });
    assert.match(replay.body, /data-shell-state="replay"/);
  });

  it('an unknown Space: 404 with the plain app; a malformed id is not even looked up', async () => {
    const unknown = await app.inject({ url: '/s/nope' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.body, INDEX);
    lookups.length = 0;
    const malformed = await app.inject({ url: `/s/${encodeURIComponent('<b>x</b>')}` });
    assert.equal(malformed.statusCode, 404);
    assert.equal(malformed.body, INDEX);
    assert.deepEqual(lookups, []);
  });

  it('a failed lookup still serves the app', async () => {
    failLookups = true;
    try {
      const res = await app.inject({ url: '/s/live1' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, INDEX);
    } finally {
      failLookups = false;
    }
  });

  it('leaves API and stream routes a JSON 404', async () => {
    for (const url of ['/api/nope', '/hls/x/y.m3u8', '/recordings/r/x']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /json/, url);
    }
  });
});
