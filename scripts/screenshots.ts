// `npm run screenshots`: refreshes docs/screenshots/. Starts the built server on its default
// settings (a temp data dir, a free port), builds the app's main states with bots (see
// test/helpers/app-states.ts), and saves PNGs of each at 1280×800 and 375×812, in light and dark,
// from real Chromium. PNGs are quantised to a palette with ffmpeg when it is there.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { launchUser } from '../test/helpers/browser.js';
import { applyTheme, buildAppStates, type Theme } from '../test/helpers/app-states.js';
import { randomMediaPort } from '../test/helpers/server.js';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };

function compress(file: string): void {
  const tmp = `${file}.tmp.png`;
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-vf', 'split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=none', tmp]);
  if (r.status === 0 && statSync(tmp).size < statSync(file).size) renameSync(tmp, file);
  else rmSync(tmp, { force: true });
}

async function shoot(page: Page, name: string, themes: Theme[]): Promise<void> {
  for (const theme of themes) {
    await applyTheme(page, theme);
    // Nothing focused: no caret or focus ring in the picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const file = join(OUT, `${name}-${theme}.png`);
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    compress(file);
    console.log(`${file} (${Math.round(statSync(file).size / 1024)} KB)`);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'spaces-screenshots-'));
const base = loadConfig({}, { port: '0', host: '127.0.0.1', 'data-dir': dataDir });
const server = await startServer({ ...base, media: { ...base.media, udpPort: randomMediaPort(), bindAddress: '127.0.0.1' } }, pino({ level: 'warn' }));
// The host's Chromium shows its built-in fake camera (a moving test pattern).
const [host, desktop, phone] = await Promise.all([launchUser({ viewport: DESKTOP }), launchUser({ viewport: DESKTOP }), launchUser({ viewport: PHONE })]);
let states: Awaited<ReturnType<typeof buildAppStates>> | undefined;
try {
  mkdirSync(OUT, { recursive: true });
  states = await buildAppStates(server, host.page, { camera: true });
  const live = states;

  await shoot(host.page, 'live-host-desktop', ['light', 'dark']);

  await phone.page.goto(live.liveUrl);
  await phone.page.getByRole('region', { name: 'Comments' }).getByText('Joining from Lisbon').waitFor();
  await shoot(phone.page, 'live-listener-phone', ['light', 'dark']);

  for (const page of [desktop.page, phone.page]) {
    await page.goto(`${server.url}/`);
    await page.getByRole('region', { name: 'Live now' }).getByText('Building in public').waitFor();
    await page.getByRole('region', { name: 'Coming up' }).getByText('Friday AMA').waitFor();
  }
  await shoot(desktop.page, 'home-desktop', ['light', 'dark']);
  await shoot(phone.page, 'home-phone', ['light', 'dark']);

  await desktop.page.goto(live.scheduledUrl);
  await desktop.page.getByRole('heading', { name: /Friday AMA/ }).waitFor();
  await shoot(desktop.page, 'scheduled-desktop', ['light']);
  await phone.page.goto(live.scheduledUrl);
  await phone.page.getByRole('heading', { name: /Friday AMA/ }).waitFor();
  await shoot(phone.page, 'scheduled-phone', ['dark']);

  for (const page of [desktop.page, phone.page]) {
    await page.goto(live.replayUrl);
    await page.getByRole('heading', { name: 'Design systems roundtable' }).waitFor();
    await page.locator('video[data-replay-player]').waitFor({ state: 'attached' });
  }
  await shoot(desktop.page, 'replay-desktop', ['dark']);
  await shoot(phone.page, 'replay-phone', ['light']);

  for (const page of [desktop.page, phone.page]) {
    await page.goto(`${server.url}/signin?mode=signup`);
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  }
  await shoot(desktop.page, 'signup-desktop', ['light']);
  await shoot(phone.page, 'signup-phone', ['dark']);
} finally {
  states?.close();
  await Promise.all([host, desktop, phone].map((u) => u.close().catch(() => undefined)));
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
// node-datachannel's threads (the bots) would keep the process alive.
process.exit(0);
