// Low data mode must use less data than WebRTC, in an audio-only Space and with a camera on
// (issue 14, item 6). A host talks (espeak-ng on a fake microphone, looped) in real Chromium;
// one guest listens over WebRTC, then in Low data mode, then both again once the host's camera
// (a moving test pattern) is on. Over a window of each, the guest's received bytes per second
// are measured: WebRTC from its transports' bytesReceived (getStats: every packet, RTCP and
// STUN included), Low data mode from the transfer sizes of its HLS requests (Resource Timing:
// headers and bodies, playlists and segments). Both rates are printed; Low data < WebRTC is
// asserted in both cases. The JavaScript the first switch to Low data mode downloads is
// counted and printed too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { inboundAudio, launchUser, signUp, type BrowserUser } from '../helpers/browser.js';
import { silenceWav, speechWav } from '../helpers/media-fixtures.js';
import { sleep, until } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';

const HLS_MEDIA = 'video[data-hls-player]';
/** The measurement window of each case: long enough to span several Low data segments. */
const WINDOW_MS = 12_000;

/** A moving camera (a solid colour would cost WebRTC almost nothing and flatter neither side). */
function patternY4m(dir: string): string {
  const out = join(dir, 'pattern.y4m');
  if (!existsSync(out)) {
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=15',
      '-t',
      '4',
      '-pix_fmt',
      'yuv420p',
      out,
    ]);
  }
  return out;
}

/** Bytes the page's PeerConnections received so far (all transports). */
const webrtcBytes = (page: Page) =>
  page.evaluate(async () => {
    let bytes = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections ?? []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; bytesReceived?: number }) => {
        if (s.type === 'transport') bytes += s.bytesReceived ?? 0;
      });
    }
    return bytes;
  });

/** Transfer sizes (headers and body) of the page's requests whose URL matches, that ended in [from, to) (page clock). */
const transferred = (page: Page, pattern: string, from: number, to: number) =>
  page.evaluate(
    ({ pattern, from, to }) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => new RegExp(pattern).test(e.name) && e.responseEnd >= from && e.responseEnd < to)
        .reduce((n, e) => n + e.transferSize, 0),
    { pattern, from, to },
  );

const pageNow = (page: Page) => page.evaluate(() => performance.now());
const mediaTime = (page: Page) => page.evaluate((sel) => document.querySelector<HTMLMediaElement>(sel)?.currentTime ?? -1, HLS_MEDIA);
const kbps = (bytes: number, ms: number) => (bytes * 8) / ms;

describe('Low data mode uses less data than WebRTC', () => {
  let server: RunningServer;
  let host: BrowserUser;
  let guest: BrowserUser;
  let spaceUrl = '';
  let fixtures = '';
  const report: string[] = [];

  before(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'spaces-lowdata-'));
    const talk = await speechWav(
      'Good evening everyone. This is a Space about gardens in the spring, bread that takes three days to make, trains that run on time and old bicycles.',
    );
    server = await startTestServer();
    [host, guest] = await Promise.all([launchUser({ audioWav: talk, videoY4m: patternY4m(fixtures) }), launchUser({ audioWav: silenceWav() })]);
    // Room for every request of the run in the Resource Timing buffer (the default keeps 250).
    await guest.page.addInitScript(() => performance.setResourceTimingBufferSize(100_000));
  });

  after(async () => {
    for (const line of report) console.log(line);
    await Promise.all([host, guest].map((u) => u?.close()));
    await server?.close();
    if (fixtures) rmSync(fixtures, { recursive: true, force: true });
  });

  const toggle = () => guest.page.getByRole('button', { name: 'Low data mode' });

  /** The guest's WebRTC rate over the window, once audio flows. */
  async function measureWebrtc(label: string): Promise<number> {
    const page = guest.page;
    await until(async () => ((await inboundAudio(page)).bytes > 0 ? true : undefined), 30_000, 'WebRTC audio flows');
    const b0 = await webrtcBytes(page);
    const t0 = Date.now();
    await sleep(WINDOW_MS); // the measurement window
    const rate = kbps((await webrtcBytes(page)) - b0, Date.now() - t0);
    report.push(`${label}: WebRTC ${rate.toFixed(1)} kbit/s`);
    return rate;
  }

  /** Turns Low data mode on, waits until it plays steadily, and measures its rate over the window. */
  async function measureLowData(label: string): Promise<{ rate: number; jsBytes: number }> {
    const page = guest.page;
    const clickedAt = await pageNow(page);
    await toggle().click();
    await until(async () => ((await toggle().getAttribute('aria-pressed')) === 'true' ? true : undefined), 5000, 'Low data mode on');
    await until(async () => ((await mediaTime(page)) > 0.5 ? true : undefined), 45_000, 'HLS playback to start');
    // Past the start (the player fetches a few segments at once): wait until it has played on.
    const started = await mediaTime(page);
    await until(async () => ((await mediaTime(page)) > started + 4 ? true : undefined), 45_000, 'HLS to play on');
    assert.equal(await guest.page.locator(HLS_MEDIA).getAttribute('data-audio-only'), 'true', 'Low data mode plays audio only');
    const t0 = await pageNow(page);
    await sleep(WINDOW_MS); // the measurement window
    const t1 = await pageNow(page);
    const bytes = await transferred(page, '/hls/', t0, t1);
    const urls = await page.evaluate(() => [
      ...new Set(
        performance.getEntriesByType('resource').map((e) =>
          new URL(e.name).pathname
            .split('/')
            .pop()!
            .replace(/-\d+\.m4s$/, '-N.m4s'),
        ),
      ),
    ]);
    const jsBytes = await transferred(page, '\\.js(\\?|$)', clickedAt, t1);
    const rate = kbps(bytes, t1 - t0);
    report.push(
      `${label}: Low data mode ${rate.toFixed(1)} kbit/s (${bytes} bytes in ${((t1 - t0) / 1000).toFixed(1)} s; files ${urls.filter((u) => /m3u8|m4s|mp4/.test(u)).join(' ')})`,
    );
    return { rate, jsBytes };
  }

  async function backToWebrtc(): Promise<void> {
    await toggle().click();
    await until(async () => ((await toggle().getAttribute('aria-pressed')) === 'false' ? true : undefined), 5000, 'Low data mode off');
    await guest.page.locator(HLS_MEDIA).waitFor({ state: 'detached', timeout: 30_000 });
  }

  it('starts a Space whose host talks, with a guest listening over WebRTC', async () => {
    await signUp(host.page, server.url, 'ld_host');
    await host.page.getByLabel('Title').fill('Data rates');
    await host.page.getByRole('button', { name: 'Start a Space' }).click();
    await host.page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/);
    spaceUrl = host.page.url();
    await guest.page.goto(spaceUrl);
    assert.equal(await toggle().getAttribute('aria-pressed'), 'false');
  });

  it('audio only: Low data mode receives less than WebRTC', async () => {
    const webrtc = await measureWebrtc('audio only');
    const { rate: low, jsBytes } = await measureLowData('audio only');
    report.push(`first switch to Low data mode downloaded ${jsBytes} bytes of JavaScript (transfer size)`);
    assert.ok(jsBytes > 0, 'the player is loaded on the first switch, not with the page');
    assert.ok(low < webrtc, `audio only: Low data mode ${low.toFixed(1)} kbit/s < WebRTC ${webrtc.toFixed(1)} kbit/s`);
    await backToWebrtc();
  });

  it('camera on: Low data mode (audio only) receives less than WebRTC', async () => {
    const controls = host.page.getByRole('toolbar', { name: 'Your controls' });
    await controls.getByRole('button', { name: 'Turn camera on', exact: true }).click();
    await controls.getByRole('button', { name: 'Turn camera off', exact: true }).waitFor();
    // The guest receives the camera before the window starts.
    await until(
      async () =>
        (await guest.page.evaluate(async () => {
          let frames = 0;
          for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections ?? []) {
            if (pc.connectionState === 'closed') continue;
            (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
            });
          }
          return frames;
        })) > 30
          ? true
          : undefined,
      30_000,
      'the guest decodes the camera over WebRTC',
    );
    const webrtc = await measureWebrtc('camera on');
    const { rate: low } = await measureLowData('camera on');
    assert.ok(low < webrtc, `camera on: Low data mode ${low.toFixed(1)} kbit/s < WebRTC ${webrtc.toFixed(1)} kbit/s`);
  });
});
