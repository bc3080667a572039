// The app's main page states, built cheaply for the accessibility test and the screenshots
// script: accounts and Spaces over REST, people as node-datachannel bots, and one Chromium page
// as the host of a live Space (with the stage, a pending request and comments), a scheduled
// Space and an ended Space with its replay.
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../src/sdk/api.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from './clients.js';
import { finishedRecording } from './recordings.js';

export interface AppStates {
  hostApi: ApiClient;
  liveUrl: string;
  scheduledUrl: string;
  replayUrl: string;
  close(): void;
}

export type Theme = 'light' | 'dark';

/**
 * Sets the theme as the toggle does (data-theme on <html>) and waits for the transitions it
 * starts to finish (finite animations only: the LIVE dot pulses forever).
 */
export async function applyTheme(page: Page, theme: Theme): Promise<void> {
  await page.evaluate(async (t) => {
    document.documentElement.dataset.theme = t;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const finite = document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity);
    await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
  }, theme);
}

/** Puts an account's session in the page's storage, as signing in does; the next load is signed in. */
export async function signInPage(page: Page, baseUrl: string, api: ApiClient): Promise<void> {
  const me = await api.me();
  if (!page.url().startsWith(baseUrl)) await page.goto(`${baseUrl}/signin`);
  await page.evaluate(
    ({ token, user }) => {
      localStorage.setItem('spaces.token', token);
      localStorage.setItem('spaces.user', JSON.stringify(user));
    },
    { token: api.token!, user: me.user },
  );
}

/** Polls the recording until it has `sec` seconds of media (the limit only bounds a hang). */
async function recordedFor(api: ApiClient, spaceId: string, sec: number): Promise<void> {
  await until(async () => (((await api.getRecording(spaceId).catch(() => null))?.durationSec ?? 0) >= sec ? true : undefined), 60_000, 'recorded media', 200);
}

/** An ended, recorded Space with a few comments on its replay. */
async function buildReplay(server: { url: string }, opened: TestParticipant[]): Promise<string> {
  const lenaApi = await account(server, 'lena');
  const spaceId = (await lenaApi.createSpace('Design systems roundtable', undefined, { record: true })).id;
  const lena = await joinSpace(server, spaceId, { api: lenaApi });
  opened.push(lena);
  await recordedFor(lenaApi, spaceId, 1);
  await lena.signalling.comment('Thanks for coming, everyone!');
  await recordedFor(lenaApi, spaceId, 3);
  await lena.signalling.act({ action: 'end' });
  const rec = await finishedRecording(lenaApi, spaceId);
  if (rec?.state !== 'ready') throw new Error(`the replay's recording is ${rec?.state ?? 'missing'}`);
  return `${server.url}/s/${spaceId}`;
}

/**
 * Builds every state. `hostPage` ends up signed in as the host, on the live Space, with two
 * speakers on stage, a pending request and comments; with `camera`, the host's camera is on.
 */
export async function buildAppStates(server: { url: string }, hostPage: Page, opts: { camera?: boolean } = {}): Promise<AppStates> {
  const opened: TestParticipant[] = [];
  const replay = buildReplay(server, opened);
  // Known before the replay resolves, so a failure there does not leave an unhandled rejection.
  replay.catch(() => undefined);
  const hostApi = await account(server, 'maya');
  const scheduled = await hostApi.createSpace('Friday AMA: shipping a self-hosted app', new Date(Date.now() + 26 * 3600_000));
  const live = await hostApi.createSpace('Building in public: week 12');
  const liveUrl = `${server.url}/s/${live.id}`;

  await signInPage(hostPage, server.url, hostApi);
  await hostPage.goto(liveUrl);
  const controls = hostPage.getByRole('toolbar', { name: 'Your controls' });
  await controls.waitFor();
  if (opts.camera) {
    await controls.getByRole('button', { name: 'Turn camera on' }).click();
    await hostPage.locator('section[aria-label="Stage video"] video').first().waitFor();
  }

  const [jon, priya, sam, listener] = await Promise.all([
    account(server, 'jon').then((api) => joinSpace(server, live.id, { api })),
    account(server, 'priya').then((api) => joinSpace(server, live.id, { api })),
    account(server, 'sam').then((api) => joinSpace(server, live.id, { api, canPublish: false })),
    joinSpace(server, live.id, { guest: true, canPublish: false }),
  ]);
  opened.push(jon, priya, sam, listener);
  const requests = hostPage.getByRole('region', { name: 'Requests' });
  for (const bot of [jon, priya]) {
    await bot.signalling.act({ action: 'requestToSpeak' });
    await requests.getByRole('listitem').filter({ hasText: bot.handle }).getByRole('button', { name: 'Approve' }).click();
    await waitFor(() => bot.state.you?.role === 'speaker', 10_000, `${bot.handle} on stage`);
  }
  // Left pending: the host's Requests panel shows it.
  await sam.signalling.act({ action: 'requestToSpeak' });
  await requests.getByRole('listitem').filter({ hasText: sam.handle }).waitFor();
  await jon.signalling.comment('Great to see the new stage layout!');
  await sam.signalling.comment('Could you talk about the replay page next?');
  await priya.signalling.comment('Joining from Lisbon 👋');
  await hostPage.getByRole('region', { name: 'Comments' }).getByText('Joining from Lisbon').waitFor();

  return {
    hostApi,
    liveUrl,
    scheduledUrl: `${server.url}/s/${scheduled.id}`,
    replayUrl: await replay,
    close() {
      for (const p of opened) p.close();
    },
  };
}
