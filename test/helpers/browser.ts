// Debian's Chromium driven by playwright-core, with fake media devices fed from files.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserUser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** One browser per user: each has its own fake microphone (and camera) file. */
export async function launchUser(opts: { audioWav?: string; videoY4m?: string; viewport?: { width: number; height: number } } = {}): Promise<BrowserUser> {
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
    '--use-fake-ui-for-media-stream',
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
    permissions: ['microphone', 'camera'],
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
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
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
