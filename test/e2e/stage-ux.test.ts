// What a person on the stage is told, in real Chromium: someone approved to speak arrives muted
// (a prompt says so, and a listener hears nothing of them until they unmute); the host learns of
// a request by a toast, a badge on the control bar and a count in the tab's title, and on a
// phone that badge brings the Requests panel into view; people hear what a host did to them
// (muted, made co-host, moved to the audience, handed the Space); Remove and a host's Leave ask
// first, with Cancel focused. One Space, three browsers: the host, Ann, a guest listener.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, signUp, type BrowserUser } from '../helpers/browser.js';
import { silenceWav, speechWav } from '../helpers/media-fixtures.js';
import { once, until } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';

/** Every toast a page shows, kept by the page (toasts leave after a few seconds). */
async function keepToasts(user: BrowserUser): Promise<void> {
  await user.context.addInitScript(() => {
    const log: string[] = [];
    (window as unknown as { __toasts: string[] }).__toasts = log;
    new MutationObserver((records) => {
      for (const r of records) {
        r.addedNodes.forEach((n) => {
          if (n instanceof HTMLElement && n.classList.contains('toast')) log.push(n.textContent ?? '');
        });
      }
    }).observe(document, { childList: true, subtree: true });
  });
}

async function toastSeen(page: Page, text: string): Promise<void> {
  await until(
    async () => ((await page.evaluate((t) => (window as unknown as { __toasts: string[] }).__toasts.some((s) => s.includes(t)), text)) ? true : undefined),
    30_000,
    `the toast "${text}"`,
  );
  // Toasts are read out: they live in a polite live region.
  assert.equal(await page.locator('.toasts').getAttribute('aria-live'), 'polite');
}

/** The audio this page has received so far, over all its PeerConnections. */
async function heard(page: Page): Promise<{ packets: number; energy: number }> {
  return page.evaluate(async () => {
    let packets = 0;
    let energy = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          packets += s.packetsReceived ?? 0;
          energy += s.totalAudioEnergy ?? 0;
        }
      });
    }
    return { packets, energy };
  });
}

const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent ?? '');

describe('the stage tells people what happens', () => {
  let server: RunningServer;
  let host: BrowserUser;
  let ann: BrowserUser;
  let guest: BrowserUser;
  let spaceUrl = '';
  const controls = (page: Page) => page.getByRole('toolbar', { name: 'Your controls' });
  const stagePerson = (page: Page, handle: string) => page.getByRole('region', { name: 'Stage' }).getByRole('listitem').filter({ hasText: handle });
  const personMenu = async (handle: string, item: string) => {
    await host.page.getByRole('button', { name: `Actions for ${handle}` }).click();
    await host.page.getByRole('menuitem', { name: item, exact: true }).click();
  };

  before(async () => {
    server = await startTestServer();
    host = await launchUser({ audioWav: silenceWav() });
    ann = await launchUser({ audioWav: speechWav('e2e-stage-ux', 'Hello, this is Ann on the stage. Can everyone hear me now?', 1) });
    guest = await launchUser({ audioWav: silenceWav() });
    for (const u of [host, ann]) await keepToasts(u);
  });

  after(async () => {
    await Promise.all([host, ann, guest].map((u) => u?.close()));
    await server?.close();
  });

  const everyoneIn = once(async () => {
    await signUp(host.page, server.url, 'ux_host');
    await host.page.getByLabel('Title').fill('Stage manners');
    await host.page.getByRole('button', { name: 'Start a Space' }).click();
    await host.page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/);
    spaceUrl = host.page.url();
    await signUp(ann.page, server.url, 'ux_ann');
    await ann.page.goto(spaceUrl);
    await guest.page.goto(spaceUrl);
    await host.page.getByText('2 listening').waitFor();
  });

  const requested = once(async () => {
    await everyoneIn();
    await controls(ann.page).getByRole('button', { name: 'Request to speak' }).click();
    await toastSeen(host.page, 'ux_ann asked to speak');
  });

  it('tells the host of a request: toast, badge, title, and the panel one tap away on a phone', async () => {
    await requested();
    const badge = controls(host.page).getByRole('button', { name: 'Requests 1 waiting to speak' });
    await badge.waitFor();
    await until(async () => ((await host.page.title()).startsWith('(1) Stage manners') ? true : undefined), 10_000, 'the count in the title');
    // On a phone the panel is below the stage; the badge brings it into view and focus.
    await host.page.setViewportSize({ width: 375, height: 812 });
    try {
      await badge.click();
      await until(
        async () =>
          (await host.page.evaluate(() => {
            const panel = document.getElementById('requests-panel');
            const r = panel?.getBoundingClientRect();
            const bar = document.querySelector('.control-bar')?.getBoundingClientRect();
            // In focus, and wholly on screen above the control bar.
            return !!r && !!bar && document.activeElement === panel && r.top >= 0 && r.bottom <= bar.top;
          }))
            ? true
            : undefined,
        10_000,
        'the Requests panel in view and focused',
      );
    } finally {
      await host.page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  const annOnStageMuted = once(async () => {
    await requested();
    // From before the approval, so that anything the guest hears of Ann is counted.
    const start = await heard(guest.page);
    const request = host.page.getByRole('region', { name: 'Requests' }).getByRole('listitem').filter({ hasText: 'ux_ann' });
    await request.getByRole('button', { name: 'Approve' }).click();
    const prompt = ann.page.getByRole('status').filter({ hasText: "You're on stage, muted. Unmute when you're ready." });
    await prompt.waitFor();
    await controls(ann.page).getByRole('button', { name: 'Unmute', exact: true }).waitFor();
    await stagePerson(guest.page, 'ux_ann').getByRole('img', { name: 'Muted' }).waitFor();
    await until(async () => ((await host.page.title()) === 'Stage manners · Spaces' ? true : undefined), 10_000, 'no request left to count');
    // Ann's microphone is running (the prompt's Unmute waits for it): were she live, her speech
    // would now be on its way to the guest.
    const unmute = prompt.getByRole('button', { name: 'Unmute' });
    await until(async () => ((await unmute.isEnabled()) ? true : undefined), 30_000, "Ann's microphone started");
    const muted = await heard(guest.page);
    assert.equal(muted.energy - start.energy, 0, `the guest heard nothing while Ann was muted (${muted.packets - start.packets} packets)`);
    assert.equal(await stagePerson(guest.page, 'ux_ann').getAttribute('data-speaking'), null);
    await unmute.click();
    await prompt.waitFor({ state: 'detached' });
    await controls(ann.page).getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await until(async () => ((await heard(guest.page)).energy > muted.energy ? true : undefined), 30_000, 'the guest hears Ann once she unmutes');
    await stagePerson(guest.page, 'ux_ann').and(guest.page.locator('[data-speaking="true"]')).waitFor({ timeout: 30_000 });
  });

  it('brings an approved speaker on stage muted, heard only once they unmute', async () => {
    await annOnStageMuted();
  });

  it('tells Ann when a host mutes her, makes her co-host and moves her to the audience', async () => {
    await annOnStageMuted();
    await personMenu('ux_ann', 'Mute');
    await toastSeen(ann.page, 'A host muted you');
    await personMenu('ux_ann', 'Make co-host');
    await toastSeen(ann.page, 'A host made you a co-host');
    await personMenu('ux_ann', 'Move to audience');
    await toastSeen(ann.page, 'A host moved you to the audience');
    await controls(ann.page).getByRole('button', { name: 'Request to speak' }).waitFor();
  });

  it('asks before Remove, with Cancel focused', async () => {
    await everyoneIn();
    const listener = host.page.getByRole('region', { name: 'Listeners' }).getByRole('listitem').filter({ hasText: 'Guest' }).first();
    await listener.getByRole('button', { name: /^Actions for / }).click();
    await host.page.getByRole('menuitem', { name: 'Remove', exact: true }).click();
    const dialog = host.page.getByRole('dialog', { name: /^Remove .* from this Space\?$/ });
    await dialog.waitFor();
    assert.equal(await focusedText(host.page), 'Cancel');
    await host.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    // Enter, on Cancel, removed nobody: the guest is still listed, and still in the Space.
    assert.equal(await listener.count(), 1);
    assert.equal(await guest.page.getByText('You were removed from this Space').count(), 0);
  });

  it("asks before a host's Leave, then hands the Space to the co-host, who is told", async () => {
    await annOnStageMuted();
    // From the stage or the audience (after the test before), whichever Ann is in.
    if ((await stagePerson(host.page, 'ux_ann').count()) === 0 || (await stagePerson(host.page, 'ux_ann').getAttribute('data-role')) !== 'cohost') {
      await personMenu('ux_ann', 'Make co-host');
    }
    await until(async () => ((await stagePerson(host.page, 'ux_ann').getAttribute('data-role')) === 'cohost' ? true : undefined), 10_000, 'Ann a co-host');

    await controls(host.page).getByRole('button', { name: 'Leave', exact: true }).click();
    const dialog = host.page.getByRole('dialog', { name: 'Leave this Space?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /ux_ann becomes the host/);
    assert.equal(await focusedText(host.page), 'Cancel');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(host.page.url().endsWith(spaceUrl.slice(spaceUrl.lastIndexOf('/'))), 'the host is still in the Space');

    await controls(host.page).getByRole('button', { name: 'Leave', exact: true }).click();
    await dialog.getByRole('button', { name: 'Leave' }).click();
    await host.page.waitForURL(`${server.url}/`);
    await toastSeen(ann.page, "The host left. You're the host now.");
    await controls(ann.page).getByRole('button', { name: 'End Space' }).waitFor();
  });
});
