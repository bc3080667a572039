// Low data mode must use less data than WebRTC, in an audio-only Space and with a camera on
// (issue 14, item 6). A host talks (espeak-ng on a fake microphone, looped) in real Chromium;
// one guest listens over WebRTC, then in Low data mode, then both again once the host's camera
// (a moving test pattern) is on. Over a window of each, the guest's received bytes per second
// are measured: WebRTC from its transports' bytesReceived (getStats: every packet, RTCP and
// STUN included), Low data mode from the transfer sizes of its HLS requests (Resource Timing:
// headers and bodies, playlists and segments). The windows end on events (packets, segments),
// not on a clock. Both rates are printed; Low data < WebRTC is asserted in both cases. The
// JavaScript the first switch to Low data mode downloads is counted and printed too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, signUp, type BrowserUser } from '../helpers/browser.js';
import { silenceWav, speechWav } from '../helpers/media-fixtures.js';
import { until } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';

const HLS_MEDIA = 'video[data-hls-player]';
/**
 * The measuring windows are counted in media, not time, so that a busy machine only makes them
 * longer: WebRTC's, in audio packets (20 ms each); Low data mode's, in its segments (2 s each),
 * from one segment's arrival to another's, so that each window holds whole segments and the
 * playlist reloads between them.
 */
const WEBRTC_WINDOW_PACKETS = 200;
const LOW_WINDOW_SEGMENTS = 3;

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

/**
 * The page's WebRTC counters: bytes received on all its transports (every packet: RTP, RTCP,
 * STUN), audio packets received, and the stats' own clock.
 */
const webrtcCounters = (page: Page) =>
  page.evaluate(async () => {
    let bytes = 0;
    let audioPackets = 0;
    let at = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections ?? []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; bytesReceived?: number; packetsReceived?: number; timestamp: number }) => {
        if (s.type === 'transport') bytes += s.bytesReceived ?? 0;
        if (s.type === 'inbound-rtp' && s.kind === 'audio') audioPackets += s.packetsReceived ?? 0;
        at = Math.max(at, s.timestamp);
      });
    }
    return { bytes, audioPackets, at };
  });

interface Transfer {
  file: string;
  /** responseEnd, page clock (ms). */
  end: number;
  /** Headers and body. */
  bytes: number;
}

/** The page's requests whose URL matches, from Resource Timing, in the order they ended. */
const transfers = (page: Page, pattern: string) =>
  page.evaluate(
    (pattern) =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((e) => new RegExp(pattern).test(e.name))
        .map((e) => ({ file: new URL(e.name).pathname.split('/').pop() ?? '', end: e.responseEnd, bytes: e.transferSize }))
        .sort((a, b) => a.end - b.end),
    pattern,
  ) as Promise<Transfer[]>;

const pageNow = (page: Page) => page.evaluate(() => performance.now());
const mediaTime = (page: Page) => page.evaluate((sel) => document.querySelector<HTMLMediaElement>(sel)?.currentTime ?? -1, HLS_MEDIA);
/** The files of a window (segment numbers as N) are Low data mode's playlist and segments only. */
const ownRenditionOnly = (files: string[]) => files.includes('low-N.m4s') && files.every((f) => /^low(\.m3u8|-N\.m4s)$/.test(f));
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

  /** The guest's WebRTC rate over a window of audio packets, once audio flows. */
  async function measureWebrtc(label: string): Promise<number> {
    const page = guest.page;
    // Past the connection's start (handshakes, the first packets).
    const first = await until(async () => ((await webrtcCounters(page)).audioPackets > 0 ? webrtcCounters(page) : undefined), 30_000, 'WebRTC audio flows');
    const a = await until(
      async () => {
        const c = await webrtcCounters(page);
        return c.audioPackets >= first.audioPackets + 50 ? c : undefined;
      },
      30_000,
      'WebRTC audio to flow on',
    );
    const b = await until(
      async () => {
        const c = await webrtcCounters(page);
        return c.audioPackets >= a.audioPackets + WEBRTC_WINDOW_PACKETS ? c : undefined;
      },
      60_000,
      'a window of WebRTC audio',
      200,
    );
    const rate = kbps(b.bytes - a.bytes, b.at - a.at);
    report.push(`${label}: WebRTC ${rate.toFixed(1)} kbit/s (${b.bytes - a.bytes} bytes in ${((b.at - a.at) / 1000).toFixed(1)} s)`);
    return rate;
  }

  /**
   * Turns Low data mode on, waits until it plays, and measures its rate over a window of whole
   * segments: from the arrival of the second segment after playback began (the first may be
   * the end of the start's burst) to that of the LOW_WINDOW_SEGMENTS-th after it.
   */
  async function measureLowData(label: string): Promise<{ rate: number; jsBytes: number; files: string[] }> {
    const page = guest.page;
    const clickedAt = await pageNow(page);
    await toggle().click();
    await until(async () => ((await toggle().getAttribute('aria-pressed')) === 'true' ? true : undefined), 5000, 'Low data mode on');
    await until(async () => ((await mediaTime(page)) > 0 ? true : undefined), 45_000, 'HLS playback to start');
    const playingAt = await pageNow(page);
    assert.equal(await guest.page.locator(HLS_MEDIA).getAttribute('data-audio-only'), 'true', 'Low data mode plays audio only');
    const hls = await until(
      async () => {
        const all = await transfers(page, '/hls/');
        const segments = all.filter((t) => /\.m4s$/.test(t.file) && t.end > playingAt);
        return segments.length >= LOW_WINDOW_SEGMENTS + 2 ? { all, segments } : undefined;
      },
      90_000,
      `${LOW_WINDOW_SEGMENTS + 2} segments after playback began`,
      250,
    );
    const from = hls.segments[1]!.end;
    const to = hls.segments[LOW_WINDOW_SEGMENTS + 1]!.end;
    const window = hls.all.filter((t) => t.end > from && t.end <= to);
    const bytes = window.reduce((n, t) => n + t.bytes, 0);
    const files = [...new Set(window.map((t) => t.file.replace(/-\d+\.m4s$/, '-N.m4s')))];
    const jsBytes = (await transfers(page, '\\.js(\\?|$)')).filter((t) => t.end >= clickedAt).reduce((n, t) => n + t.bytes, 0);
    const rate = kbps(bytes, to - from);
    report.push(
      `${label}: Low data mode ${rate.toFixed(1)} kbit/s (${bytes} bytes in ${((to - from) / 1000).toFixed(1)} s: ${window.filter((t) => t.file.endsWith('.m4s')).length} segments, ${window.filter((t) => t.file.endsWith('.m3u8')).length} playlists: ${files.join(' ')})`,
    );
    return { rate, jsBytes, files };
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
    const { rate: low, jsBytes, files } = await measureLowData('audio only');
    report.push(`first switch to Low data mode downloaded ${jsBytes} bytes of JavaScript (transfer size)`);
    assert.ok(jsBytes > 0, 'the player is loaded on the first switch, not with the page');
    assert.ok(low < webrtc, `audio only: Low data mode ${low.toFixed(1)} kbit/s < WebRTC ${webrtc.toFixed(1)} kbit/s`);
    assert.ok(ownRenditionOnly(files), `Low data mode fetches its own rendition only: ${files.join(' ')}`);
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
    const { rate: low, files } = await measureLowData('camera on');
    assert.ok(low < webrtc, `camera on: Low data mode ${low.toFixed(1)} kbit/s < WebRTC ${webrtc.toFixed(1)} kbit/s`);
    assert.ok(ownRenditionOnly(files), `Low data mode fetches its own rendition only: ${files.join(' ')}`);
  });
});
