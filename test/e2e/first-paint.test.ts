// The first paint of a Space's page in real Chromium. With JavaScript off, the page already
// shows the Space's title, host and state (the server renders them into the HTML); with it on,
// the app takes over from that markup. Prints the first contentful paint and the bytes of JS
// and CSS sent on a first load (compressed), and checks that a second visit takes the hashed
// assets from the cache without asking the server. "Copy link" is labelled in words.
// No timing is asserted: the numbers are printed for the record.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { account } from '../helpers/clients.js';
import { CHROMIUM } from '../helpers/browser.js';
import type { RunningServer } from '../../src/server.js';

const HOSTILE = `<script>alert(1)</script>"'&`;
const HOST = `fp${process.pid}`.slice(0, 20);

interface Load {
  fcp: number | null;
  html: { transfer: number; encoded: number; decoded: number };
  js: { transfer: number; encoded: number; decoded: number; files: number };
  css: { transfer: number; encoded: number; decoded: number; files: number };
  /** Each /assets/ file the page loaded, with what crossed the network for it (0: from the cache). */
  assets: Array<{ name: string; transfer: number }>;
}

// Runs in the page. Plain JavaScript in a string: tsx (esbuild) would otherwise wrap the inner
// functions in a `__name` helper that does not exist in the page.
const MEASURE_JS = `(() => {
  const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname.startsWith('/assets/'));
  const sum = (ext) => {
    const of = resources.filter((r) => new URL(r.name).pathname.endsWith(ext));
    return {
      transfer: of.reduce((n, r) => n + r.transferSize, 0),
      encoded: of.reduce((n, r) => n + r.encodedBodySize, 0),
      decoded: of.reduce((n, r) => n + r.decodedBodySize, 0),
      files: of.length,
    };
  };
  return {
    fcp: paint ? Math.round(paint.startTime) : null,
    html: { transfer: nav.transferSize, encoded: nav.encodedBodySize, decoded: nav.decodedBodySize },
    js: sum('.js'),
    css: sum('.css'),
    assets: resources.map((r) => ({ name: new URL(r.name).pathname, transfer: r.transferSize })),
  };
})()`;

/** First contentful paint and what the page's HTML, JS and CSS cost, from the page's own timing entries. */
async function measure(page: Page): Promise<Load> {
  return (await page.evaluate(MEASURE_JS)) as Load;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function report(what: string, load: Load): void {
  console.log(
    `${what}: FCP ${load.fcp ?? '?'} ms; HTML ${kb(load.html.transfer)} transferred (${kb(load.html.decoded)} decoded); ` +
      `JS ${kb(load.js.transfer)} transferred, ${kb(load.js.encoded)} encoded, ${kb(load.js.decoded)} decoded (${load.js.files} files); ` +
      `CSS ${kb(load.css.transfer)} transferred, ${kb(load.css.encoded)} encoded, ${kb(load.css.decoded)} decoded (${load.css.files} files)`,
  );
}

let server: RunningServer;
let browser: Browser;
let liveId: string;
let scheduledId: string;
const cspViolations: string[] = [];
const dialogs: string[] = [];

async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  context.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return context;
}

/** Waits until Chromium has recorded the first contentful paint. */
async function firstPaint(page: Page): Promise<void> {
  await page.waitForFunction(() => performance.getEntriesByType('paint').some((e) => e.name === 'first-contentful-paint'));
}

/** Waits until the app has replaced the server's markup with its own. */
async function appTookOver(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('.page-shell') && (document.getElementById('root')?.children.length ?? 0) > 0);
}

before(async () => {
  // The live Space's host never joins: a long grace keeps it live however slow the machine is.
  server = await startTestServer({ hostGraceMs: 10 * 60_000 });
  const api = await account(server, HOST);
  liveId = (await api.createSpace('Design review: <b>bold</b> & "quotes"')).id;
  scheduledId = (await api.createSpace(HOSTILE, new Date(Date.now() + 86_400_000))).id;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe("first paint of a Space's page", () => {
  it('with JavaScript off, the title, host and state are on the page', async () => {
    const context = await newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/s/${liveId}`);
      await page.getByRole('heading', { name: 'Design review: <b>bold</b> & "quotes"' }).waitFor();
      assert.equal(await page.title(), 'Design review: <b>bold</b> & "quotes" · Spaces');
      assert.equal(await page.locator('#root .page-shell').getAttribute('data-shell-state'), 'live');
      assert.equal(await page.locator('.page-shell .live-pill').innerText(), 'LIVE');
      await page.getByText(`Hosted by ${HOST}`).waitFor();
      // The title's markup is text, not elements.
      assert.equal(await page.locator('.page-shell h1 b').count(), 0);
      report('live Space, JavaScript off', await measure(page));

      await page.goto(`${server.url}/s/${scheduledId}`);
      await page.getByRole('heading', { name: HOSTILE }).waitFor();
      assert.equal(await page.title(), `${HOSTILE} · Spaces`);
      assert.equal(await page.locator('#root .page-shell').getAttribute('data-shell-state'), 'scheduled');
      assert.match(await page.locator('.page-shell .scheduled-when').innerText(), /^Starts .+ UTC$/);
    } finally {
      await context.close();
    }
  });

  it('with JavaScript on: first load compressed, the app takes over; a second visit takes the assets from the cache', async () => {
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/s/${liveId}`);
      await firstPaint(page);
      await appTookOver(page);
      await page.getByRole('heading', { name: 'Design review: <b>bold</b> & "quotes"' }).first().waitFor();
      const cold = await measure(page);
      report('live Space, first load', cold);
      assert.ok(cold.js.files > 0 && cold.css.files > 0, 'the JS and CSS were loaded');
      // Compressed: fewer bytes on the wire than the files hold.
      assert.ok(cold.js.encoded < cold.js.decoded, `JS ${cold.js.encoded} encoded of ${cold.js.decoded}`);
      assert.ok(cold.css.encoded < cold.css.decoded, `CSS ${cold.css.encoded} encoded of ${cold.css.decoded}`);

      // Another visit: the hashed assets are fresh for a year, so nothing is asked of the server.
      await page.goto(`${server.url}/s/${scheduledId}`);
      await firstPaint(page);
      await appTookOver(page);
      await page.getByRole('heading', { name: HOSTILE }).waitFor();
      const warm = await measure(page);
      report('scheduled Space, second visit', warm);
      assert.ok(warm.assets.length > 0, 'the assets were used');
      for (const a of warm.assets) assert.equal(a.transfer, 0, `${a.name} came from the cache without revalidation`);
      assert.deepEqual(dialogs, [], 'no script from a title ran');
    } finally {
      await context.close();
    }
  });

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 375, height: 812 },
  ]) {
    it(`"Copy link" is labelled in words at ${viewport.width}×${viewport.height}`, async () => {
      const context = await newContext({ viewport });
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/s/${scheduledId}`);
        await appTookOver(page);
        const button = page.getByRole('button', { name: 'Copy link' });
        await button.waitFor();
        assert.equal((await button.innerText()).trim(), 'Copy link', 'the label is visible text, not only an aria-label');
        const box = await button.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width, `inside the viewport: ${JSON.stringify(box)}`);
      } finally {
        await context.close();
      }
    });
  }

  it('the app broke no Content-Security-Policy rule', () => {
    assert.deepEqual(cspViolations, []);
  });
});
