// Accessibility in real Chromium: axe-core over every main page state (home signed out and
// signed in, sign-in and sign-up, a live Space as its host and as a guest listener, with the
// stage, a pending request and comments, a scheduled Space, a replay, not found) in the light
// and the dark theme, with no serious or critical violation allowed; then the keyboard
// landmarks: "Skip to content" is the first thing Tab reaches and leads to the main heading,
// the control bar sits in a landmark, and a client-side route change moves focus to the new
// page's main heading instead of leaving it on the body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, type BrowserUser } from '../helpers/browser.js';
import { applyTheme, buildAppStates, signInPage, type AppStates, type Theme } from '../helpers/app-states.js';
import { silenceWav } from '../helpers/media-fixtures.js';
import { once } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const THEMES: Theme[] = ['light', 'dark'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe on the page as it is now, in `theme`. */
async function audit(page: Page, theme: Theme): Promise<Violation[]> {
  await applyTheme(page, theme);
  // Injected by evaluation rather than a <script> tag: the app's Content-Security-Policy
  // (rightly) refuses inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Violation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  return result;
}

const serious = (vs: Violation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');

describe('accessibility', () => {
  let server: RunningServer;
  let host: BrowserUser;
  let guest: BrowserUser;
  let states: AppStates;
  /** state → theme → violations of every impact, for the summary. */
  const results = new Map<string, Record<Theme, Violation[]>>();

  before(async () => {
    server = await startTestServer();
    const silence = silenceWav();
    [host, guest] = await Promise.all([launchUser({ audioWav: silence }), launchUser({ audioWav: silence })]);
  });

  after(async () => {
    const rows = [...results].map(([state, byTheme]) => {
      const list = (vs: Violation[]) => (vs.length ? ` (${vs.map((v) => `${v.id}×${v.nodes.length}`).join(', ')})` : '');
      const cell = (vs: Violation[]) => {
        const bad = serious(vs);
        const other = vs.filter((v) => !bad.includes(v));
        return `${bad.length} serious/critical${list(bad)}, ${other.length} other${list(other)}`;
      };
      return `| ${state} | ${cell(byTheme.light)} | ${cell(byTheme.dark)} |`;
    });
    if (rows.length) console.log(['axe-core violations per page state', '| state | light | dark |', '|---|---|---|', ...rows].join('\n'));
    states?.close();
    await Promise.all([host, guest].map((u) => u?.close()));
    await server?.close();
  });

  const built = once(async () => {
    states = await buildAppStates(server, host.page);
  });

  /** What axe found serious or critical in the states checked by the running test. */
  let failures: string[] = [];

  /** Runs axe in both themes on the page as it is now; notes any serious or critical violation. */
  async function check(name: string, page: Page): Promise<void> {
    const byTheme = {} as Record<Theme, Violation[]>;
    for (const theme of THEMES) byTheme[theme] = await audit(page, theme);
    results.set(name, byTheme);
    for (const theme of THEMES) {
      for (const v of serious(byTheme[theme])) {
        const nodes = v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.replace(/\n\s*/g, ' '));
        failures.push(`${name}, ${theme}: ${v.id} (${v.impact}) ${v.help}\n    ${nodes.join('\n    ')}`);
      }
    }
  }

  /** Fails the test on what its checks found (every state of the test is checked first). */
  function assertNoSerious(): void {
    const found = failures;
    failures = [];
    assert.equal(found.length, 0, found.join('\n'));
  }

  it('has no serious or critical axe violations on the public pages, signed out', async () => {
    await built();
    const page = guest.page;
    await page.goto(`${server.url}/`);
    await page.getByRole('region', { name: 'Live now' }).getByText('Building in public').waitFor();
    await check('home, signed out', page);
    await page.goto(`${server.url}/signin`);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await check('sign in', page);
    await page.goto(`${server.url}/signin?mode=signup`);
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await check('sign up', page);
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await check('not found', page);
    assertNoSerious();
  });

  it('has none in a live Space, as its host and as a guest listener', async () => {
    await built();
    const page = host.page;
    // The host's page is on the live Space: two on stage besides the host, a request, comments.
    await page.getByRole('region', { name: 'Requests' }).getByRole('listitem').first().waitFor();
    await check('live Space, host', page);
    await guest.page.goto(states.liveUrl);
    await guest.page.getByRole('toolbar', { name: 'Your controls' }).getByRole('button', { name: 'Low data mode' }).waitFor();
    await guest.page.getByRole('region', { name: 'Comments' }).getByText('Joining from Lisbon').waitFor();
    await check('live Space, listener', guest.page);
    assertNoSerious();
  });

  it('has none on a scheduled Space, a replay and the home page signed in', async () => {
    await built();
    const page = guest.page;
    await page.goto(states.scheduledUrl);
    await page.getByRole('heading', { name: /Friday AMA/ }).waitFor();
    await check('scheduled Space', page);
    await page.goto(states.replayUrl);
    await page.getByRole('heading', { name: 'Design systems roundtable' }).waitFor();
    await page.locator('video[data-replay-player]').waitFor({ state: 'attached' });
    await check('replay', page);
    await signInPage(page, server.url, states.hostApi);
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    await page.getByRole('region', { name: 'Coming up' }).getByText('Friday AMA').waitFor();
    await check('home, signed in', page);
    assertNoSerious();
    // Back to a guest: the host's own page stays the host's only session in the live Space.
    await page.evaluate(() => localStorage.clear());
  });

  it('offers "Skip to content" first, which leads to the main heading', async () => {
    const page = guest.page;
    await page.goto(`${server.url}/signin`);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({ tag: document.activeElement?.tagName, text: document.activeElement?.textContent?.trim() }));
    assert.deepEqual(first, { tag: 'A', text: 'Skip to content' }, 'the first Tab reaches the skip link');
    assert.ok(await page.getByRole('link', { name: 'Skip to content' }).isVisible(), 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => ({
      tag: document.activeElement?.tagName,
      inMain: document.activeElement?.closest('main') !== null,
      text: document.activeElement?.textContent,
    }));
    assert.deepEqual(focused, { tag: 'H1', inMain: true, text: 'Welcome back' });
  });

  it("puts the live Space's control bar inside a landmark", async () => {
    await built();
    const page = host.page;
    const landmark = await page.getByRole('toolbar', { name: 'Your controls' }).evaluate((bar) => {
      const roles =
        'main, nav, header, footer, aside, section[aria-label], section[aria-labelledby], [role="region"], [role="navigation"], [role="contentinfo"], [role="complementary"]';
      const l = bar.parentElement?.closest(roles);
      return l ? `${l.tagName.toLowerCase()} ${l.getAttribute('aria-label') ?? ''}`.trim() : null;
    });
    assert.ok(landmark, 'the control bar is inside a landmark');
  });

  it('moves focus to the main heading after a client-side route change', async () => {
    await built();
    const page = guest.page;
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Live conversations, on your own server.' }).waitFor();
    // In-app links (pushState): into a Space, then back home.
    await page.getByRole('region', { name: 'Live now' }).getByRole('link').filter({ hasText: 'Building in public' }).first().click();
    await page.getByRole('heading', { name: 'Building in public: week 12' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Building in public: week 12');
    await page.getByRole('link', { name: 'All Spaces' }).click();
    await page.getByRole('heading', { name: 'Live conversations, on your own server.' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Live conversations, on your own server.');
  });
});
