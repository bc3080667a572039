// Debian's Chromium driven by playwright-core, with fake media devices fed from files.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserUser {
  context: BrowserContext;
  page: Page;
  /** What Chromium refused under the server's Content-Security-Policy (the app must cause none). */
  cspViolations: string[];
  /** Closes the browser; fails if the app broke its own Content-Security-Policy meanwhile. */
  close(): Promise<void>;
}

/**
 * One browser per user: each has its own fake microphone (and camera) file. `denyMedia`: the
 * permission prompt answers "Block" for the microphone and the camera (getUserMedia fails).
 */
export async function launchUser(
  opts: { audioWav?: string; videoY4m?: string; viewport?: { width: number; height: number }; denyMedia?: boolean } = {},
): Promise<BrowserUser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'spaces-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    opts.denyMedia ? '--use-fake-ui-for-media-stream=deny' : '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (opts.audioWav) args.push(`--use-file-for-fake-audio-capture=${opts.audioWav}`);
  if (opts.videoY4m) args.push(`--use-file-for-fake-video-capture=${opts.videoY4m}`);
  // A fresh profile directory per user (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    permissions: opts.denyMedia ? [] : ['microphone', 'camera'],
  });
  // Keep a handle on every RTCPeerConnection the app creates, so tests can read getStats().
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = all;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        all.push(this);
      }
    } as typeof RTCPeerConnection;
  });
  const cspViolations: string[] = [];
  context.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    cspViolations,
    async close() {
      await context.close().catch(() => undefined);
      if (cspViolations.length > 0) throw new Error(`the app broke its Content-Security-Policy:\n${cspViolations.join('\n')}`);
    },
  };
}

/** Inbound audio totals over every PeerConnection of the page that is not closed. */
export async function inboundAudio(page: Page): Promise<{ bytes: number; packets: number; maxLevel: number }> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections ?? [];
    let bytes = 0;
    let packets = 0;
    let maxLevel = 0;
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          bytes += s.bytesReceived ?? 0;
          packets += s.packetsReceived ?? 0;
          maxLevel = Math.max(maxLevel, s.audioLevel ?? 0);
        }
      });
    }
    return { bytes, packets, maxLevel };
  });
}

export type Rgb = [number, number, number];

/** The mean colour of a small patch at the centre of a <video>'s current frame (null: no frame yet). */
export async function videoCentreColour(page: Page, selector: string): Promise<Rgb | null> {
  return page.evaluate((sel) => {
    const v = document.querySelector<HTMLVideoElement>(sel);
    if (!v || v.videoWidth === 0 || v.videoHeight === 0) return null;
    const c = document.createElement('canvas');
    c.width = 8;
    c.height = 8;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(v, v.videoWidth / 2 - 4, v.videoHeight / 2 - 4, 8, 8, 0, 0, 8, 8);
    const d = ctx.getImageData(0, 0, 8, 8).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) sum[k]! += d[i + k]!;
    const n = d.length / 4;
    return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)] as [number, number, number];
  }, selector);
}

/** One change seen by watchVideoColours: the colour's name (or null: none of them) and Date.now() when first seen. */
export interface ColourChange {
  colour: string | null;
  at: number;
  rgb: Rgb;
}

// Runs in the page. Plain JavaScript in a string: tsx (esbuild) would otherwise wrap the
// inner functions in a `__name` helper that does not exist in the page.
const WATCH_COLOURS_JS = `(({ sel, palette, maxDistance }) => {
  window.__colourStop?.();
  const log = [];
  window.__colourLog = log;
  const canvas = document.createElement('canvas');
  canvas.width = 8;
  canvas.height = 8;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let last;
  let stopped = false;
  let watched = null;
  const sample = () => {
    const v = document.querySelector(sel);
    if (!v || v.videoWidth === 0) return v;
    ctx.drawImage(v, v.videoWidth / 2 - 4, v.videoHeight / 2 - 4, 8, 8, 0, 0, 8, 8);
    const d = ctx.getImageData(0, 0, 8, 8).data;
    const rgb = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let k = 0; k < 3; k++) rgb[k] += d[i + k] / 64;
    for (let k = 0; k < 3; k++) rgb[k] = Math.round(rgb[k]);
    let best = null;
    let bestD = Infinity;
    for (const [name, ref] of Object.entries(palette)) {
      const dist = Math.hypot(rgb[0] - ref[0], rgb[1] - ref[1], rgb[2] - ref[2]);
      if (dist < bestD) {
        bestD = dist;
        best = name;
      }
    }
    const colour = bestD <= maxDistance ? best : null;
    if (colour !== last) {
      last = colour;
      log.push({ colour, at: Date.now(), rgb });
    }
    return v;
  };
  const onFrame = () => {
    if (stopped) return;
    const v = sample();
    if (v) v.requestVideoFrameCallback(onFrame);
    else watched = null;
  };
  const timer = setInterval(() => {
    const v = sample();
    // (Re)attach the frame callback to whichever element is current.
    if (v && v !== watched) {
      watched = v;
      v.requestVideoFrameCallback(onFrame);
    }
  }, 10);
  window.__colourStop = () => {
    stopped = true;
    clearInterval(timer);
  };
})`;

/**
 * Watches a <video> in the page frame by frame (requestVideoFrameCallback, with a 10 ms poll
 * besides, for frames the callback might not report) and logs every change of its centre
 * colour, classified as the nearest of `palette` (or null when none is within `maxDistance`).
 * Read the log with videoColourLog().
 */
export async function watchVideoColours(page: Page, selector: string, palette: Record<string, Rgb>, maxDistance = 110): Promise<void> {
  await page.evaluate(`${WATCH_COLOURS_JS}(${JSON.stringify({ sel: selector, palette, maxDistance })})`);
}

export async function videoColourLog(page: Page): Promise<ColourChange[]> {
  return page.evaluate(() => (window as unknown as { __colourLog?: ColourChange[] }).__colourLog ?? []);
}

/** Signs a new account up through the app's own form, as a person would. */
export async function signUp(page: Page, baseUrl: string, handle: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page
    .getByRole('link', { name: 'Sign up' })
    .or(page.getByRole('button', { name: 'Sign up' }))
    .first()
    .click();
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Sign up' }).last().click();
  await page.getByText(handle).first().waitFor();
}
