// The whole path a person takes, in real Chromium with fake devices: a host signs up and
// starts a Space; a second person joins, asks to speak and is approved; a third person
// hears the second one's speech (espeak-ng); the host ends the Space, after a confirmation
// that cancelling leaves it running, and every page says so. Each test sets up what it needs
// (once per run: the steps are shared, so a test run alone builds its own Space).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { inboundAudio, launchUser, type BrowserUser, signUp } from '../helpers/browser.js';
import { silenceWav, speechWav } from '../helpers/media-fixtures.js';
import { waitFor, once } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import type { SpaceList } from '../../src/sdk/api.js';

describe('a Space in the browser', () => {
  let server: RunningServer;
  let host: BrowserUser;
  let speaker: BrowserUser;
  let listener: BrowserUser;
  let spaceUrl = '';

  before(async () => {
    server = await startTestServer();
    const speech = speechWav('e2e-speaker', 'Hello everyone, this is the second person speaking in this space. Can you all hear me well?', 1);
    const silence = silenceWav();
    host = await launchUser({ audioWav: silence });
    speaker = await launchUser({ audioWav: speech });
    listener = await launchUser({ audioWav: silence });
  });

  after(async () => {
    await Promise.all([host, speaker, listener].map((u) => u?.close()));
    await server?.close();
  });

  const spaceStarted = once(async () => {
    const page = host.page;
    await signUp(page, server.url, 'e2e_host');
    await page.getByLabel('Title').fill('Browser voices');
    await page.getByRole('button', { name: 'Start a Space' }).click();
    await page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/);
    spaceUrl = page.url();
    await page.getByRole('region', { name: 'Stage' }).getByRole('listitem').filter({ hasText: 'e2e_host' }).waitFor();
  });

  const speakerOnStage = once(async () => {
    await spaceStarted();
    const page = speaker.page;
    await signUp(page, server.url, 'e2e_speaker');
    await page.goto(spaceUrl);
    await page.getByRole('button', { name: 'Request to speak' }).click();
    await page.getByRole('button', { name: 'Cancel request' }).waitFor();
    const request = host.page.getByRole('region', { name: 'Requests' }).getByRole('listitem').filter({ hasText: 'e2e_speaker' });
    await request.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('region', { name: 'Stage' }).getByRole('listitem').filter({ hasText: 'e2e_speaker' }).waitFor();
    await host.page.getByRole('region', { name: 'Stage' }).getByRole('listitem').filter({ hasText: 'e2e_speaker' }).waitFor();
    // On stage muted (no hot mic): they unmute from the prompt to be heard.
    await page.getByRole('status').filter({ hasText: "You're on stage, muted" }).getByRole('button', { name: 'Unmute' }).click();
    await page.getByRole('toolbar', { name: 'Your controls' }).getByRole('button', { name: 'Mute', exact: true }).waitFor();
  });

  const listenerIn = once(async () => {
    await spaceStarted();
    await listener.page.goto(spaceUrl);
    await listener.page.getByText(/\d+ listening/).waitFor();
  });

  it('lets a host start a Space', async () => {
    await spaceStarted();
    const list = (await (await fetch(`${server.url}/api/spaces`)).json()) as SpaceList;
    assert.ok(
      list.live.some((s) => spaceUrl.endsWith(`/s/${s.id}`)),
      'the Space is live',
    );
  });

  it('lets a listener request to speak and the host approve', async () => {
    await speakerOnStage();
  });

  it("lets a third person hear the speaker's voice", async () => {
    await speakerOnStage();
    await listenerIn();
    const page = listener.page;
    let last = { bytes: 0, packets: 0, maxLevel: 0 };
    let grew = 0;
    let prevBytes = 0;
    await waitFor(
      () => {
        void inboundAudio(page).then((s) => {
          if (s.bytes > prevBytes) grew++;
          prevBytes = s.bytes;
          last = s;
        });
        // Growing, audible, and more than a few packets' worth (the first stats can come after 6 packets).
        return grew >= 5 && last.maxLevel > 0 && last.bytes > 1000;
      },
      60_000,
      'inbound audio that keeps growing, past 1000 bytes, with a level above zero',
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${last.bytes} bytes, ${last.packets} packets, level ${last.maxLevel}`);
    });
    // The stage shows who is talking, from the server's levels.
    await page.locator('[data-speaking="true"]').filter({ hasText: 'e2e_speaker' }).first().waitFor({ timeout: 30_000 });
  });

  it('asks the host to confirm; cancelling leaves the Space running', async () => {
    await speakerOnStage();
    await listenerIn();
    const page = host.page;
    await page.getByRole('button', { name: 'End Space' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'End this Space for everyone?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Something the host does after cancelling, which everyone sees: had the cancel ended the
    // Space, the end would have reached the server first (one socket, in order).
    await page.getByRole('toolbar', { name: 'Your controls' }).getByRole('button', { name: 'Mute', exact: true }).click();
    const hostOnStage = (p: typeof page) => p.getByRole('region', { name: 'Stage' }).getByRole('listitem').filter({ hasText: 'e2e_host' });
    await hostOnStage(listener.page).getByRole('img', { name: 'Muted' }).waitFor();
    for (const u of [host, speaker, listener]) assert.equal(await u.page.getByText('This Space has ended').count(), 0);
    const list = (await (await fetch(`${server.url}/api/spaces`)).json()) as SpaceList;
    assert.ok(
      list.live.some((s) => spaceUrl.endsWith(`/s/${s.id}`)),
      'still live after cancelling',
    );
  });

  it('shows every page that the Space ended when the host ends it', async () => {
    await speakerOnStage();
    await listenerIn();
    await host.page.getByRole('button', { name: 'End Space' }).first().click();
    const dialog = host.page.getByRole('dialog', { name: 'End this Space for everyone?' });
    await dialog.getByRole('button', { name: 'End Space' }).click();
    for (const u of [host, speaker, listener]) {
      await u.page.getByText('This Space has ended').waitFor({ timeout: 30_000 });
    }
  });
});
