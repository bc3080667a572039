// WHIP ingest and WHEP playback with third-party clients: whip-whep (the reference whip.js and
// whep.js, by the author of the WHIP draft) in Debian's Chromium. The publisher sends a 720p
// canvas test pattern that carries the wall-clock time in every frame, plus an oscillator as
// audio; a WHEP viewer and an hls.js viewer read the time back from the frames they display,
// which gives the glass-to-glass latency of each path. Then the RFC's error cases, and DELETE.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, sleep, until, waitFor, type TestParticipant, once } from '../helpers/clients.js';
import { CHROMIUM } from '../helpers/browser.js';
import { newestVideoFrameGray } from '../helpers/hls.js';
import type { RunningServer } from '../../src/server.js';
import type { ApiClient } from '../../src/sdk/api.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FILES: Record<string, [string, string]> = {
  '/publish.html': ['test/e2e/pages/publish.html', 'text/html'],
  '/whep.html': ['test/e2e/pages/whep.html', 'text/html'],
  '/hls.html': ['test/e2e/pages/hls.html', 'text/html'],
  '/barcode.js': ['test/e2e/pages/barcode.js', 'text/javascript'],
  '/lib/whip.js': ['node_modules/whip-whep/whip.js', 'text/javascript'],
  '/lib/whep.js': ['node_modules/whip-whep/whep.js', 'text/javascript'],
  '/lib/hls.mjs': ['node_modules/hls.js/dist/hls.mjs', 'text/javascript'],
};

interface Sample {
  lat: number;
  w: number;
  h: number;
}

/** What the test pages (test/e2e/pages) put on `window` for the test to drive. */
interface TestPageWindow {
  publish(url: string, token: string, codec?: string): Promise<void>;
  view(url: string): Promise<void>;
  play(url: string): void;
  stop(): Promise<void>;
  samples: Sample[];
  errors: string[];
  whip: { resourceURL: URL };
  pc: RTCPeerConnection;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface FrameReading {
  /** The time the cells carry, or null when they do not decode to a recent time. */
  value: number | null;
  /** What was read, for the failure message: the raw bits and the frame's mean brightness. */
  detail: string;
}

/** Decodes the first frame of the newest HLS video segment and reads its time cells (see pages/barcode.js). */
async function hlsFrameTime(url: string): Promise<FrameReading> {
  const W = 640;
  const H = 360;
  const stdout = await newestVideoFrameGray(url, W, H, 20_000);
  if (stdout.length < W * H) return { value: null, detail: `ffmpeg gave ${stdout.length} bytes` };
  let mean = 0;
  for (let i = 0; i < W * H; i++) mean += stdout[i]!;
  mean = Math.round(mean / (W * H));
  const cells = 32;
  let bits = 0;
  for (let i = 0; i < cells; i++) {
    const x = Math.floor(((i + 0.5) * W) / cells);
    const y = Math.floor((30 * H) / 720);
    bits = bits * 2 + (stdout[y * W + x]! > 128 ? 1 : 0);
  }
  const value = Math.floor(bits / 16);
  const detail = `bits ${bits.toString(2).padStart(32, '0')}, mean luma ${mean}`;
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += Math.floor(value / 16 ** i) % 16;
  if (bits % 16 !== sum % 16) return { value: null, detail: `${detail}, bad checksum` };
  // A flat card reads as all zeros with a valid checksum: only a recent time counts.
  const age = (Math.floor(Date.now() % 2 ** 28) - value + 2 ** 28) % 2 ** 28;
  return age < 60_000 ? { value, detail } : { value: null, detail: `${detail}, ${age} ms old` };
}

/** The pages come from another origin than the server, as they would for a third-party player. */
function startPageServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const file = FILES[req.url ?? ''];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1] }).end(readFileSync(join(ROOT, file[0])));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })),
  );
}

describe('WHIP ingest and WHEP playback (whip-whep in Chromium)', () => {
  let server: RunningServer;
  let pages: { server: Server; url: string };
  let browser: Browser;
  let publisher: Page;
  let whepViewer: Page;
  let hlsViewer: Page;
  let hostApi: ApiClient;
  let watcher: TestParticipant;
  let spaceId: string;
  let key: string;

  before(async () => {
    // HLS for every live Space, as a CDN setup would run it: the hls.js page has no WebSocket.
    server = await startTestServer({}, { 'hls-mode': 'always' });
    pages = await startPageServer();
    hostApi = await account(server, 'whip_host');
    spaceId = (await hostApi.createSpace('Live from an encoder', undefined, { kind: 'broadcast' })).id;
    const issued = await fetch(`${server.url}/api/spaces/${spaceId}/stream-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostApi.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(issued.status, 200);
    key = ((await issued.json()) as { key: string }).key;
    watcher = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--autoplay-policy=no-user-gesture-required',
        // Three windows in one browser: none of them may be throttled as a background one.
        '--disable-background-timer-throttling',
        '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
      ],
    });
    // A window each: a tab in the background would stop painting video, and rVFC with it.
    const page = async () => (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    [publisher, whepViewer, hlsViewer] = [await page(), await page(), await page()];
    await publisher.goto(`${pages.url}/publish.html`);
    await whepViewer.goto(`${pages.url}/whep.html`);
    await hlsViewer.goto(`${pages.url}/hls.html`);
  });

  after(async () => {
    await browser?.close();
    watcher?.close();
    pages?.server.close();
    await server?.close();
  });

  // Each test sets up what it needs through once-only steps (a VP8 publication, an H.264 one),
  // so any test runs alone; in order, each step runs once and is shared.
  const vp8Published = once(async () => {
    await publisher.evaluate(([url, token]) => (window as unknown as TestPageWindow).publish(url, token), [`${server.url}/whip/${spaceId}`, key] as const);
    // The encoder's host is now on stage with the camera on, without ever opening the web app.
    await waitFor(() => watcher.state.space?.stage.some((p) => p.role === 'host' && p.camera) ?? false, 60_000, 'host on stage, camera on');
    await whepViewer.evaluate((url) => (window as unknown as TestPageWindow).view(url), `${server.url}/whep/${spaceId}`);
    await whepViewer.waitForFunction(() => (window as unknown as TestPageWindow).samples.length >= 60, undefined, { timeout: 60_000 });
    const samples: Sample[] = await whepViewer.evaluate(() => (window as unknown as TestPageWindow).samples);
    const lats = samples.slice(-60).map((s) => s.lat);
    const { w, h } = samples.at(-1)!;
    console.log(`# WHIP -> WHEP latency: median ${median(lats)} ms over ${lats.length} frames (${w}x${h})`);
    assert.ok(w * 9 === h * 16, `16:9 frames arrive (${w}x${h})`);
  });
  it('a 720p test pattern published with whip.js reaches a whep.js viewer over WebRTC', () => vp8Published());

  it('the same broadcast reaches HLS: the video variant carries the pattern, and hls.js plays it', async () => {
    await vp8Published();
    // The picture itself, as any HLS client fetches it: decode a frame of the newest video
    // segment with ffmpeg and read the time cells back.
    const url = `${server.url}/hls/${spaceId}/video.m3u8`;
    let reading: FrameReading = { value: null, detail: 'not read' };
    const seen: string[] = [];
    for (let i = 0; i < 30 && reading.value === null; i++) {
      reading = await hlsFrameTime(url).catch((err: Error) => ({ value: null, detail: err.message.split('\n')[0]! }));
      seen.push(reading.detail);
      if (reading.value === null) await sleep(1000);
    }
    assert.notEqual(reading.value, null, `the HLS video shows the published pattern (its time cells decode); read: ${[...new Set(seen)].join('; ')}`);
    // Latency as a player shows it: hls.js in Chromium, reading the cells from displayed frames.
    await hlsViewer.evaluate((u) => (window as unknown as TestPageWindow).play(u), `${server.url}/hls/${spaceId}/master.m3u8`);
    await hlsViewer.waitForFunction(() => (window as unknown as TestPageWindow).samples.length >= 30, undefined, { timeout: 60_000 }).catch(() => undefined);
    const samples: Sample[] = await hlsViewer.evaluate(() => (window as unknown as TestPageWindow).samples);
    const errors: string[] = await hlsViewer.evaluate(() => (window as unknown as TestPageWindow).errors);
    const playing: number = await hlsViewer.evaluate(() => document.querySelector('video')!.currentTime);
    assert.ok(playing > 0, `hls.js plays the stream (errors: ${errors.join(', ') || 'none'})`);
    assert.ok(
      samples.length >= 30,
      `hls.js shows the published frames: ${samples.length} readable frames painted, ${playing.toFixed(1)} s played (errors: ${errors.join(', ') || 'none'})`,
    );
    const lats = samples.slice(-60).map((s) => s.lat);
    console.log(`# WHIP -> HLS (hls.js) latency: median ${median(lats)} ms over ${lats.length} frames (${samples.at(-1)!.w}x${samples.at(-1)!.h})`);
  });

  it('a wrong or rotated stream key gets 401 and publishes nothing; bad SDP gets 400; a wrong type 415', async () => {
    const post = (token: string | null, body: string, type = 'application/sdp') =>
      fetch(`${server.url}/whip/${spaceId}`, {
        method: 'POST',
        headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
      });
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    const stageBefore = watcher.state.space!.stage.length;
    const none = await post(null, offer);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post('not-a-key-at-all-0123456789', offer)).status, 401);
    const rotated = await fetch(`${server.url}/api/spaces/${spaceId}/stream-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostApi.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const fresh = ((await rotated.json()) as { key: string }).key;
    assert.notEqual(fresh, key);
    assert.equal((await post(key, offer)).status, 401, 'the old key stops working when rotated');
    assert.equal(watcher.state.space!.stage.length, stageBefore, 'nobody joined the stage');
    const bad = await post(fresh, 'this is not SDP');
    assert.equal(bad.status, 400);
    assert.equal((await post(fresh, offer)).status, 400, 'SDP without media sections');
    assert.equal((await post(fresh, offer, 'application/json')).status, 415);
    const whepBad = await fetch(`${server.url}/whep/${spaceId}`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'garbage' });
    assert.equal(whepBad.status, 400);
    assert.equal((await fetch(`${server.url}/whep/nope`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: offer })).status, 404);
    // A speaker's key is only good while that person is on stage: 403, and nobody joins.
    const guestApi = await account(server, 'whip_not_on_stage');
    const me = (await (await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${guestApi.token}` } })).json()) as { user: { id: string } };
    const speakerKey = await fetch(`${server.url}/api/spaces/${spaceId}/stream-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostApi.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: me.user.id }),
    });
    // The server's own count over REST, not a broadcast that may still be on its way: read
    // after the refusal was answered, it already shows anyone the refused encoder left behind.
    const listeners = async () => ((await (await fetch(`${server.url}/api/spaces/${spaceId}`)).json()) as { listenerCount: number }).listenerCount;
    const listenersBefore = await listeners();
    assert.equal((await post(((await speakerKey.json()) as { key: string }).key, offer)).status, 403);
    assert.equal(await listeners(), listenersBefore, 'a refused encoder leaves nobody behind');
    key = fresh;
  });

  it('DELETE ends the publication: the camera goes off and the viewer gets no more frames', async () => {
    await vp8Published();
    const resource: string = await publisher.evaluate(() => (window as unknown as TestPageWindow).whip.resourceURL.href);
    await publisher.evaluate(() => (window as unknown as TestPageWindow).stop());
    await waitFor(() => !(watcher.state.space?.stage.some((p) => p.camera) ?? true), 60_000, 'camera off');
    // Frames already on their way when the publication ended may still be painted (a busy
    // machine drains slowly); then none come: the count settles. Should frames keep coming,
    // it never settles and the limit (a hang bound) fails the test.
    let seen = -1;
    await until(
      async () => {
        const n = await whepViewer.evaluate(() => (window as unknown as TestPageWindow).samples.length);
        const settled = n === seen;
        seen = n;
        return settled ? true : undefined;
      },
      60_000,
      'no new frames after the DELETE',
      1000,
    );
    const again = await fetch(resource, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } });
    assert.equal(again.status, 404, 'the session is gone');
  });

  const h264Published = once(async () => {
    await publisher.reload();
    await publisher.evaluate(([url, token]) => (window as unknown as TestPageWindow).publish(url, token, 'h264'), [
      `${server.url}/whip/${spaceId}`,
      key,
    ] as const);
    // The codec shows in the stats once the video sender has sent with it: poll until it does
    // (600 polls, a 60 s hang bound).
    const sent: string = await publisher.evaluate(async () => {
      let codec = '';
      for (let i = 0; i < 600 && !codec; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        const stats = await (window as unknown as TestPageWindow).pc.getStats();
        stats.forEach((r: RTCStats & { kind?: string; codecId?: string }) => {
          if (r.type === 'outbound-rtp' && r.kind === 'video') codec = (stats.get(r.codecId ?? '') as { mimeType?: string } | undefined)?.mimeType ?? '';
        });
      }
      return codec;
    });
    assert.equal(sent, 'video/H264', 'the publisher sends H.264');
    await whepViewer.reload();
    await whepViewer.evaluate((url) => (window as unknown as TestPageWindow).view(url), `${server.url}/whep/${spaceId}`);
    await whepViewer.waitForFunction(() => (window as unknown as TestPageWindow).samples.length >= 60, undefined, { timeout: 60_000 });
    const samples: Sample[] = await whepViewer.evaluate(() => (window as unknown as TestPageWindow).samples);
    const lats = samples.slice(-60).map((s) => s.lat);
    console.log(`# WHIP (H.264, transcoded) -> WHEP latency: median ${median(lats)} ms over ${lats.length} frames (${samples.at(-1)!.w}x${samples.at(-1)!.h})`);
    const received: string = await whepViewer.evaluate(async () => {
      const stats = await (window as unknown as TestPageWindow).pc.getStats();
      let codec = '';
      stats.forEach((r: RTCStats & { kind?: string; codecId?: string }) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') codec = (stats.get(r.codecId ?? '') as { mimeType?: string } | undefined)?.mimeType ?? '';
      });
      return codec;
    });
    assert.equal(received, 'video/VP8');
  });
  it('an H.264-only encoder (as OBS publishes) is taken and transcoded: WHEP viewers get the picture in VP8', () => h264Published());

  it('kill -9 of the codec worker: the H.264 camera is transcoded again on its new ffmpeg, and the picture comes back', async () => {
    await h264Published();
    const restarts = server.codec.status().restarts;
    process.kill(server.codec.pid!, 'SIGKILL');
    await waitFor(() => server.codec.status().restarts === restarts + 1 && server.codec.status().up, 60_000, 'the codec worker back');
    const after = await whepViewer.evaluate(() => (window as unknown as TestPageWindow).samples.length as number);
    // The session is opened again on a fresh ffmpeg, which asks the encoder for a keyframe.
    await whepViewer.waitForFunction((n) => (window as unknown as TestPageWindow).samples.length >= n + 30, after, { timeout: 60_000 });
  });
});
