// Issue 14, items 9 and 10 in real Chromium. A guest names themselves ("Ana") and the host's
// page shows that name, marked as a guest's, in the listener list and on their comment; a bad
// name is refused with a reason and changes nothing. On a scheduled Space the guest's page
// offers "Add to calendar" (the download is the .ics) and "Remind me": when the host starts the
// Space (over the API), the page joins it and shows the reminder, with a browser notification.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, signUp, type BrowserUser } from '../helpers/browser.js';
import type { RunningServer } from '../../src/server.js';
import { ApiClient } from '../../src/sdk/api.js';

const listeners = (page: Page) => page.getByRole('region', { name: 'Listeners' });
const comments = (page: Page) => page.getByRole('region', { name: 'Comments' });

describe('scheduled reminders and guest names in the browser', () => {
  let server: RunningServer;
  let host: BrowserUser;
  let guest: BrowserUser;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer();
    [host, guest] = await Promise.all([launchUser(), launchUser()]);
    await signUp(host.page, server.url, `host${process.pid % 100000}`);
    const token = await host.page.evaluate(() => localStorage.getItem('spaces.token'));
    assert.ok(token);
    api = new ApiClient(server.url, token);
    // Every browser notification the guest's page raises, for the reminder's check.
    await guest.context.grantPermissions(['notifications'], { origin: server.url });
    await guest.context.addInitScript(() => {
      const Native = window.Notification;
      const shown: string[] = [];
      (window as unknown as { __notifications: string[] }).__notifications = shown;
      window.Notification = class extends Native {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push(`${title}: ${options?.body ?? ''}`);
        }
      } as typeof Notification;
    });
  });

  after(async () => {
    await Promise.all([host?.close(), guest?.close()]);
    await server?.close();
  });

  it('a guest chooses a name the host sees in the listener list and in chat, marked as a guest', async () => {
    const space = await api.createSpace('Names');
    await host.page.goto(`${server.url}/s/${space.id}`);
    await guest.page.goto(`${server.url}/s/${space.id}`);
    const mine = guest.page.getByRole('region', { name: 'Your name' });
    await mine.getByRole('button', { name: 'Set your name' }).click();
    const field = mine.getByLabel(/Your name/);

    // Refused: nothing changes, and the form says why.
    await field.fill('Ana\u202Eevil');
    await mine.getByRole('button', { name: 'Save name' }).click();
    await mine
      .getByRole('alert')
      .filter({ hasText: /control characters/ })
      .waitFor();

    await field.fill('  Ana  ');
    await mine.getByRole('button', { name: 'Save name' }).click();
    // The form closes on the ack; the name comes back in the next state (trimmed by the server).
    await mine.locator('.guest-name-current').filter({ hasText: /^Ana$/ }).waitFor();

    const row = listeners(host.page).getByRole('listitem').filter({ hasText: 'Ana' });
    await row.getByText('Guest', { exact: true }).waitFor();
    assert.equal(await row.locator('.listener-handle').textContent(), 'Ana');

    const box = comments(guest.page).getByRole('textbox', { name: 'Add a comment' });
    await box.fill('hello from Ana');
    await comments(guest.page).getByRole('button', { name: 'Send', exact: true }).click();
    const comment = comments(host.page).getByRole('listitem').filter({ hasText: 'hello from Ana' });
    await comment.getByText('Guest', { exact: true }).waitFor();
    assert.equal(await comment.locator('.comment-handle').textContent(), 'Ana');
  });

  it('a scheduled Space offers an .ics and reminds the open page when the host starts it', async () => {
    const space = await api.createSpace('Sunday, late; show', new Date(Date.now() + 10 * 60_000));
    const page = guest.page;
    await page.goto(`${server.url}/s/${space.id}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Add to calendar' }).click()]);
    assert.equal(download.suggestedFilename(), 'sunday-late-show.ics');
    const ics = await readFile((await download.path())!, 'utf8');
    assert.match(ics, /^BEGIN:VCALENDAR\r\n/);
    assert.ok(ics.includes('SUMMARY:Sunday\\, late\\; show\r\n'), ics);

    const remind = page.getByRole('button', { name: /Remind me/ });
    await remind.click();
    assert.equal(await remind.getAttribute('aria-pressed'), 'true');

    await api.startSpace(space.id);
    await page.getByRole('status').filter({ hasText: '“Sunday, late; show” is live now' }).waitFor();
    await comments(page).waitFor();
    const notified = await page.evaluate(() => (window as unknown as { __notifications: string[] }).__notifications);
    assert.deepEqual(notified, ["Sunday, late; show: “Sunday, late; show” is live now. You've joined it."]);
  });
});
