// The built web app as a real server sends it (plain HTTP, no browser): the precompressed
// assets by Accept-Encoding, with Vary, smaller than the files themselves; hashed assets cached
// for a year and immutable, index.html revalidated; and a Space's page (/s/:id) with its title,
// host and state as markup and its Open Graph / Twitter-card meta, everything escaped. Needs
// `npm run build` (the web build writes the .br/.gz copies).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import nodeDataChannel from 'node-datachannel';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, until, waitFor } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import type { ApiClient } from '../../src/sdk/api.js';

const WEB_DIR = join(import.meta.dirname, '../../dist/web');
const HOSTILE = `<script>alert(1)</script>"'&`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;';

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One GET as sent, with no Accept-Encoding unless given (fetch would add its own and decode). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function decoded(reply: RawReply): string {
  const encoding = reply.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(reply.body).toString();
  if (encoding === 'gzip') return gunzipSync(reply.body).toString();
  return reply.body.toString();
}

/** The script and stylesheet index.html loads first (hashed names, found in the built page). */
function firstLoadAssets(): string[] {
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `index.html loads ${assets.join(', ')}`);
  return assets;
}

let server: RunningServer;
let hostApi: ApiClient;
const HOST = `host${process.pid}`.slice(0, 20);

before(async () => {
  assert.ok(existsSync(join(WEB_DIR, 'index.html.br')), 'the web app is not built with its compressed copies: run `npm run build`');
  server = await startTestServer();
  hostApi = await account(server, HOST);
});

after(async () => {
  await server?.close();
  nodeDataChannel.cleanup();
});

describe('web delivery: compression and caching', () => {
  for (const [accept, encoding] of [
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    [null, undefined],
  ] as const) {
    it(`first-load JS and CSS with Accept-Encoding ${accept ?? '(none)'}: ${encoding ?? 'identity'}, Vary, immutable`, async () => {
      for (const asset of firstLoadAssets()) {
        const raw = readFileSync(join(WEB_DIR, asset));
        const reply = await rawGet(server.url + asset, accept ? { 'accept-encoding': accept } : {});
        assert.equal(reply.status, 200, asset);
        assert.equal(reply.headers['content-encoding'], encoding, asset);
        assert.match(String(reply.headers.vary), /accept-encoding/i, asset);
        assert.equal(reply.headers['cache-control'], 'public, max-age=31536000, immutable', asset);
        assert.match(String(reply.headers['content-type']), asset.endsWith('.js') ? /javascript/ : /text\/css/, asset);
        if (encoding) assert.ok(reply.body.length < raw.length / 2, `${asset}: ${reply.body.length} bytes sent of ${raw.length}`);
        else assert.equal(reply.body.length, raw.length, asset);
        assert.equal(decoded(reply), raw.toString(), asset);
      }
    });
  }

  it('index.html is revalidated on every use, and compressed too', async () => {
    for (const path of ['/', '/signin', '/index.html']) {
      const reply = await rawGet(server.url + path, { 'accept-encoding': 'br' });
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers['cache-control'], 'no-cache', path);
      assert.equal(reply.headers['content-encoding'], 'br', path);
      assert.match(decoded(reply), /<div id="root"><\/div>/, path);
    }
  });

  it('the preview image is a PNG, revalidated', async () => {
    const reply = await rawGet(`${server.url}/preview.png`, { 'accept-encoding': 'br' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'image/png');
    assert.equal(reply.headers['content-encoding'], undefined);
    assert.equal(reply.headers['cache-control'], 'no-cache');
    assert.equal(reply.body.subarray(1, 4).toString(), 'PNG');
  });
});

describe("web delivery: a Space's page", () => {
  const page = async (id: string, accept?: string) => {
    const reply = await rawGet(`${server.url}/s/${id}`, accept ? { 'accept-encoding': accept } : {});
    return { ...reply, html: decoded(reply) };
  };
  const meta = (html: string, key: string) => new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)" />`).exec(html)?.[1];

  it('live, with a hostile title: escaped markup, <title> and meta; compressed as asked', async () => {
    const { id } = await hostApi.createSpace(HOSTILE);
    const reply = await page(id, 'gzip');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-encoding'], 'gzip');
    assert.match(String(reply.headers.vary), /accept-encoding/i);
    assert.equal(reply.headers['cache-control'], 'no-cache');
    const { html } = reply;
    assert.ok(!html.includes(HOSTILE), 'the raw title is nowhere in the page');
    assert.equal(html.match(/<script/g)?.length, 2, "only the app's own scripts (theme, module)");
    assert.ok(html.includes(`<title>${HOSTILE_ESCAPED} · Spaces</title>`));
    assert.ok(html.includes(`<h1>${HOSTILE_ESCAPED}</h1>`));
    assert.match(html, /data-shell-state="live"/);
    assert.match(html, /<span class="live-pill">.*Live<\/span>/);
    assert.ok(html.includes(`Hosted by ${HOST}`));
    assert.equal(meta(html, 'og:title'), HOSTILE_ESCAPED);
    assert.equal(meta(html, 'og:description'), `Live now · hosted by ${HOST}`);
    assert.equal(meta(html, 'og:url'), `${server.url}/s/${id}`);
    assert.equal(meta(html, 'og:image'), `${server.url}/preview.png`);
    assert.equal(meta(html, 'twitter:card'), 'summary_large_image');
    assert.equal(meta(html, 'twitter:title'), HOSTILE_ESCAPED);
    // The page's assets are the built app's: the app takes over from this markup.
    for (const asset of firstLoadAssets()) assert.ok(html.includes(asset), asset);
  });

  it('scheduled: its start time', async () => {
    // 18:30 UTC, two or three days ahead (a Space is scheduled at most 14 days ahead).
    const when = new Date(Date.now() + 2 * 86_400_000);
    when.setUTCHours(18, 30, 0, 0);
    const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][when.getUTCMonth()]!;
    const shown = `${month} ${when.getUTCDate()}, ${when.getUTCFullYear()}, 6:30 PM UTC`;
    const { id } = await hostApi.createSpace('Planning for next year', when);
    const { status, html } = await page(id, 'br');
    assert.equal(status, 200);
    assert.match(html, /data-shell-state="scheduled"/);
    assert.ok(html.includes(`Starts <time datetime="${when.toISOString()}">${shown}</time>`), html);
    assert.equal(meta(html, 'og:description'), `Scheduled for ${shown} · hosted by ${HOST}`);
  });

  it('ended: "Ended" with its end time', async () => {
    const { id } = await hostApi.createSpace('Over already');
    const host = await joinSpace(server, id, { api: hostApi });
    try {
      await waitFor(() => !!host.state.you, 10_000, 'the host in');
      await host.signalling.act({ action: 'end' });
    } finally {
      host.close();
    }
    const space = await until(
      async () => {
        const s = await hostApi.getSpace(id);
        return s.state === 'ended' ? s : undefined;
      },
      10_000,
      'the Space to end',
    );
    const { status, html } = await page(id);
    assert.equal(status, 200);
    assert.match(html, /data-shell-state="ended"/);
    assert.match(html, /<span class="scheduled-badge">Ended<\/span>/);
    assert.ok(html.includes(`<time datetime="${space.endedAt}">`));
    assert.equal(meta(html, 'og:description'), `Ended · hosted by ${HOST}`);
  });

  it('an unknown or malformed id: 404 with the plain app shell, nothing of the request in it', async () => {
    const plain = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
    for (const id of ['doesNotExist42', encodeURIComponent(`<img src=x onerror=alert(1)>`), 'a'.repeat(65)]) {
      const { status, html, headers } = await page(id, 'br');
      assert.equal(status, 404, id);
      assert.equal(headers['cache-control'], 'no-cache', id);
      assert.equal(html, plain, `${id}: the app shell as built`);
      assert.equal(meta(html, 'og:title'), undefined, id);
    }
  });
});
