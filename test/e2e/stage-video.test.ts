// Stage video in real Chromium with fake devices: three people on stage, each with a fake
// camera of its own solid colour (ffmpeg) and a fake microphone that keeps talking
// (espeak-ng), take turns by muting and unmuting with the app's own buttons. A guest in the
// audience must see, in the one "Stage video", the colour of whoever talks; a pin holds the
// video on one person for that viewer only, until Unpin. We also measure how long the
// switch takes, from the click on Unmute to the first frame of the new colour at the guest
// (printed, never asserted: a measure of the machine). Each test sets up what it needs through
// shared once-only steps and starts by giving the floor to the speaker it expects, so any one
// of them runs alone; every wait is for something the page shows, with limits that only bound a hang.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, videoColourLog, watchVideoColours, type BrowserUser, type ColourChange, type Rgb, signUp } from '../helpers/browser.js';
import { colourY4m, silenceWav, speechWav } from '../helpers/media-fixtures.js';
import { until, once } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';

const PALETTE: Record<string, Rgb> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255] };
const STAGE_VIDEO = 'section[aria-label="Stage video"] video[data-stage-video]';
const TALK =
  'Good evening and welcome to the show. Tonight we talk about small radios, long winters and the people who fix old bicycles. ' +
  'I will keep talking for a while, so that everyone can hear me clearly and the room knows that I am the one speaking right now. ' +
  'There is a lot to say about gardens in the spring, about bread that takes three days, and about trains that run on time. ' +
  'Thank you all for being here, and please stay with us for the rest of the evening.';

interface Speaker {
  name: string;
  handle: string;
  colour: keyof typeof PALETTE & string;
  user: BrowserUser;
  userId: string;
}

const controls = (page: Page) => page.getByRole('toolbar', { name: 'Your controls' });

/** How long a wait may take before it is a hang (a busy machine stretches every step). */
const HANG_MS = 60_000;

/** Records when the page's active speaker and stage-video source change (Date.now()). */
async function watchStageState(page: Page): Promise<void> {
  await page.evaluate(() => {
    type Entry = { kind: 'active' | 'showing'; value: string; at: number };
    const log: Entry[] = [];
    (window as unknown as { __stageLog: Entry[] }).__stageLog = log;
    let active: string | undefined;
    let showing: string | undefined;
    setInterval(() => {
      const a = document.querySelector<HTMLElement>('li[data-active="true"]')?.dataset.userId ?? '';
      const s = document.querySelector<HTMLElement>('section[aria-label="Stage video"]')?.dataset.showing ?? '';
      const at = Date.now();
      if (a !== active) log.push({ kind: 'active', value: (active = a), at });
      if (s !== showing) log.push({ kind: 'showing', value: (showing = s), at });
    }, 5);
  });
}

async function stageLog(page: Page): Promise<Array<{ kind: 'active' | 'showing'; value: string; at: number }>> {
  return page.evaluate(() => (window as unknown as { __stageLog: Array<{ kind: 'active' | 'showing'; value: string; at: number }> }).__stageLog);
}

/** Remembers when the page last saw a click (the moment the person pressed the button). */
async function recordClicks(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.addEventListener('click', () => ((window as unknown as { __lastClick: number }).__lastClick = Date.now()), true);
  });
}

const lastClick = (page: Page) => page.evaluate(() => (window as unknown as { __lastClick: number }).__lastClick);

/** Camera tracks the page is still capturing and sending (one track may feed several layers). */
const liveCameraSenders = (page: Page) =>
  page.evaluate(
    () =>
      new Set(
        (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections
          .filter((pc) => pc.connectionState !== 'closed')
          .flatMap((pc) => pc.getSenders())
          .filter((s) => s.track?.kind === 'video' && s.track.readyState === 'live')
          .map((s) => s.track!.id),
      ).size,
  );

const showingOf = (page: Page) => page.getByRole('region', { name: 'Stage video', exact: true }).getAttribute('data-showing');

/** The colour the page's stage video has shown since `since`, if it has settled on one. */
function colourSince(log: ColourChange[], since: number): ColourChange | undefined {
  const last = log.at(-1);
  return last && last.at >= since ? last : log.filter((e) => e.at < since).at(-1);
}

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, min ${s[0]} ms, max ${s.at(-1)} ms (n=${s.length})`;
}

describe('stage video in the browser', () => {
  let server: RunningServer;
  let listener: BrowserUser;
  let speakers: Speaker[] = [];
  let spaceUrl = '';
  const latencies: number[] = [];
  const toActive: number[] = [];
  const toShowing: number[] = [];
  let firstFrameAfterJoin = -1;

  before(async () => {
    server = await startTestServer();
    const talk = speechWav('e2e-video-talk', TALK, 0.3);
    const silence = silenceWav();
    const defs = [
      { name: 'A', handle: 'vid_ana', colour: 'red' },
      { name: 'B', handle: 'vid_ben', colour: 'green' },
      { name: 'C', handle: 'vid_cleo', colour: 'blue' },
    ] as const;
    const hex: Record<string, string> = { red: '0xff0000', green: '0x00ff00', blue: '0x0000ff' };
    const users = await Promise.all([
      ...defs.map((d) => launchUser({ audioWav: talk, videoY4m: colourY4m(hex[d.colour]!) })),
      launchUser({ audioWav: silence }),
    ]);
    speakers = defs.map((d, i) => ({ ...d, user: users[i]!, userId: '' }));
    listener = users[3]!;
  });

  after(async () => {
    await Promise.all([...speakers.map((s) => s.user), listener].map((u) => u?.close()));
    await server?.close();
    if (latencies.length > 0) {
      console.log(`stage-video switch latency ms: [${latencies.join(', ')}]`);
      console.log(`  unmute → first frame of the new speaker at the listener: ${summary(latencies)}`);
      console.log(`  unmute → listener told of the new active speaker: ${summary(toActive)}`);
      console.log(`  unmute → listener told its slot switched (stageVideo): ${summary(toShowing)}`);
    }
    if (firstFrameAfterJoin >= 0) console.log(`stage-video first frame after a guest opens the page ms: ${firstFrameAfterJoin}`);
  });

  const onStage = once(async () => {
    const [a, b, c] = speakers as [Speaker, Speaker, Speaker];
    await Promise.all(speakers.map((s) => signUp(s.user.page, server.url, s.handle)));
    await a.user.page.getByLabel('Title').fill('Faces on stage');
    await a.user.page.getByRole('button', { name: 'Start a Space' }).click();
    await a.user.page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/);
    spaceUrl = a.user.page.url();
    for (const s of [b, c]) {
      const page = s.user.page;
      await page.goto(spaceUrl);
      await page.getByRole('button', { name: 'Request to speak' }).click();
      await page.getByRole('button', { name: 'Cancel request' }).waitFor();
      const request = a.user.page.getByRole('region', { name: 'Requests' }).getByRole('listitem').filter({ hasText: s.handle });
      await request.getByRole('button', { name: 'Approve' }).click();
      // On stage muted (nobody comes on stage live), which holds them quiet until their turn.
      await controls(page).getByRole('button', { name: 'Unmute', exact: true }).waitFor();
    }
    for (const s of speakers) await recordClicks(s.user.page);
  });

  const camerasOn = once(async () => {
    await onStage();
    await Promise.all(
      speakers.map(async (s) => {
        const page = s.user.page;
        await controls(page).getByRole('button', { name: 'Turn camera on', exact: true }).click();
        await controls(page).getByRole('button', { name: 'Turn camera off', exact: true }).waitFor();
        await page.getByLabel('Your camera preview').waitFor();
      }),
    );
    const host = speakers[0]!.user.page;
    for (const s of speakers) {
      await host.locator('li[data-camera="on"]').filter({ hasText: s.handle }).waitFor({ timeout: HANG_MS });
    }
  });

  const guestWatching = once(async () => {
    await camerasOn();
    const page = listener.page;
    const joinedAt = Date.now();
    await page.goto(spaceUrl);
    await page.getByRole('region', { name: 'Stage video', exact: true }).waitFor();
    for (const s of speakers) {
      s.userId = (await page.locator('li[data-user-id]').filter({ hasText: s.handle }).getAttribute('data-user-id')) ?? '';
      assert.ok(s.userId, `user id of ${s.handle}`);
    }
    await watchVideoColours(page, STAGE_VIDEO, PALETTE);
    await watchStageState(page);
    const host = speakers[0]!;
    // Only the host is unmuted, so the host holds the floor.
    await until(
      async () => {
        const showing = await showingOf(page);
        const last = (await videoColourLog(page)).at(-1);
        return showing === host.userId && last?.colour === host.colour ? true : undefined;
      },
      HANG_MS,
      `the guest to see ${host.handle}'s ${host.colour} camera`,
    );
    firstFrameAfterJoin = (await videoColourLog(page)).find((e) => e.colour === host.colour)!.at - joinedAt;
    await page.locator(`li[data-active="true"][data-user-id="${host.userId}"]`).waitFor();
    const caption = page.getByRole('region', { name: 'Stage video', exact: true }).locator('.stage-video-caption');
    assert.match((await caption.textContent()) ?? '', new RegExp(host.handle));
  });

  it('lets a host start a Space and two people join the stage', async () => {
    await onStage();
  });

  it('lets everyone on stage turn their camera on, with a preview of their own', async () => {
    await camerasOn();
  });

  it('shows a guest in the audience the active speaker', async () => {
    await guestWatching();
  });

  /** Only `to` unmuted (whoever talked before), until the guest sees `to`'s colour. */
  async function floorTo(to: Speaker): Promise<void> {
    for (const s of speakers) {
      const button = controls(s.user.page).getByRole('button', { name: s === to ? 'Unmute' : 'Mute', exact: true });
      if ((await button.count()) === 0) continue;
      await button.click();
      await controls(s.user.page)
        .getByRole('button', { name: s === to ? 'Mute' : 'Unmute', exact: true })
        .waitFor({ timeout: HANG_MS });
    }
    await until(
      async () => ((await showingOf(listener.page)) === to.userId && (await videoColourLog(listener.page)).at(-1)?.colour === to.colour ? true : undefined),
      HANG_MS,
      `the floor to ${to.handle}`,
    );
  }

  /** Mutes `from`, unmutes `to`, and waits until the guest sees `to`'s colour; returns the latency. */
  async function handOver(from: Speaker, to: Speaker): Promise<number> {
    const page = listener.page;
    await controls(from.user.page).getByRole('button', { name: 'Mute', exact: true }).click();
    await controls(from.user.page).getByRole('button', { name: 'Unmute', exact: true }).waitFor();
    await controls(to.user.page).getByRole('button', { name: 'Unmute', exact: true }).click();
    const clickedAt = await lastClick(to.user.page);
    const frame = await until(
      async () => (await videoColourLog(page)).find((e) => e.at >= clickedAt && e.colour === to.colour),
      HANG_MS,
      `the guest to see ${to.handle}'s ${to.colour} camera`,
    );
    await until(async () => ((await showingOf(page)) === to.userId ? true : undefined), HANG_MS, `data-showing=${to.handle}`);
    const events = await stageLog(page);
    const active = events.find((e) => e.kind === 'active' && e.value === to.userId && e.at >= clickedAt);
    const showing = events.find((e) => e.kind === 'showing' && e.value === to.userId && e.at >= clickedAt);
    if (active) toActive.push(active.at - clickedAt);
    if (showing) toShowing.push(showing.at - clickedAt);
    return frame.at - clickedAt;
  }

  it('switches the stage video to whoever talks', async () => {
    const [a, b, c] = speakers as [Speaker, Speaker, Speaker];
    await guestWatching();
    await floorTo(a);
    // Three rounds of A → B → C → A: nine switches to measure.
    const turns: Array<[Speaker, Speaker]> = [0, 1, 2].flatMap(
      () =>
        [
          [a, b],
          [b, c],
          [c, a],
        ] as Array<[Speaker, Speaker]>,
    );
    for (const [from, to] of turns) {
      const ms = await handOver(from, to);
      latencies.push(ms);
      // The page marks the new active speaker too; by then the video has not flickered back
      // to the previous one (every change of colour since the switch is logged).
      await listener.page.locator(`li[data-active="true"][data-user-id="${to.userId}"]`).waitFor({ timeout: HANG_MS });
      const log = await videoColourLog(listener.page);
      assert.equal(log.at(-1)?.colour, to.colour, `still ${to.handle} after the switch: ${JSON.stringify(log.slice(-3))}`);
    }
  });

  it('keeps a pinned speaker on one viewer whoever talks, until Unpin', async () => {
    const [a, b, c] = speakers as [Speaker, Speaker, Speaker];
    await guestWatching();
    await floorTo(a);
    const page = listener.page;
    const region = page.getByRole('region', { name: 'Stage video', exact: true });
    // A talks now. The guest pins B from B's menu on the stage.
    await page.getByRole('button', { name: `Actions for ${b.handle}` }).click();
    await page.getByRole('menuitem', { name: `Pin ${b.handle}`, exact: true }).click();
    await region.getByRole('button', { name: 'Unpin', exact: true }).waitFor();
    await until(
      async () => ((await showingOf(page)) === b.userId && (await videoColourLog(page)).at(-1)?.colour === b.colour ? true : undefined),
      HANG_MS,
      `the pinned ${b.handle}`,
    );
    // Someone else takes the floor: C.
    const pinnedAt = Date.now();
    await controls(a.user.page).getByRole('button', { name: 'Mute', exact: true }).click();
    await controls(c.user.page).getByRole('button', { name: 'Unmute', exact: true }).click();
    await page.locator(`li[data-active="true"][data-user-id="${c.userId}"]`).waitFor({ timeout: HANG_MS });
    // The host, who pinned nobody, follows C; the guest keeps B. The server moves every viewer's
    // slot in the same pass, so once the host's has switched, a wrong switch of the guest's
    // would have been made too.
    await until(async () => ((await showingOf(a.user.page)) === c.userId ? true : undefined), HANG_MS, `the host to see ${c.handle}`);
    const held = (await videoColourLog(page)).filter((e) => e.at >= pinnedAt);
    assert.deepEqual(
      held.map((e) => e.colour),
      [],
      `the pinned video never changed colour: ${JSON.stringify(held)}`,
    );
    assert.equal(colourSince(await videoColourLog(page), pinnedAt)?.colour, b.colour);
    assert.equal(await showingOf(page), b.userId);
    assert.equal(await region.getAttribute('data-pinned'), 'true');
    // Unpin: back to the active speaker.
    await region.getByRole('button', { name: 'Unpin', exact: true }).click();
    await until(
      async () => ((await showingOf(page)) === c.userId && (await videoColourLog(page)).at(-1)?.colour === c.colour ? true : undefined),
      HANG_MS,
      `back to the active speaker ${c.handle}`,
    );
    assert.equal(await region.getByRole('button', { name: 'Unpin' }).count(), 0);
  });

  it("shows the active speaker's avatar, not a frozen frame, when their camera goes off", async () => {
    const c = speakers[2]!;
    await guestWatching();
    await floorTo(c);
    const page = listener.page;
    await controls(c.user.page).getByRole('button', { name: 'Turn camera off', exact: true }).click();
    await controls(c.user.page).getByRole('button', { name: 'Turn camera on', exact: true }).waitFor();
    const region = page.getByRole('region', { name: 'Stage video', exact: true });
    await until(async () => ((await showingOf(page)) === '' ? true : undefined), HANG_MS, 'an empty slot');
    await region.getByText('Camera off').waitFor();
    assert.match((await region.locator('.stage-video-caption').textContent()) ?? '', new RegExp(c.handle));
    await until(
      async () => ((await page.locator(STAGE_VIDEO).evaluate((v) => getComputedStyle(v).opacity)) === '0' ? true : undefined),
      HANG_MS,
      'the video hidden behind the avatar',
    );
    assert.equal(await c.user.page.getByLabel('Your camera preview').count(), 0, 'no preview with the camera off');
  });

  it('turns the camera off when its owner leaves the stage', async () => {
    const b = speakers[1]!;
    await guestWatching();
    const page = b.user.page;
    assert.equal(await liveCameraSenders(page), 1, 'sending the camera while on stage');
    await controls(page).getByRole('button', { name: 'Leave stage' }).click();
    await controls(page).getByRole('button', { name: 'Request to speak' }).waitFor();
    await page.getByLabel('Your camera preview').waitFor({ state: 'detached' });
    assert.equal(
      await controls(page)
        .getByRole('button', { name: /camera/i })
        .count(),
      0,
    );
    await until(async () => ((await liveCameraSenders(page)) === 0 ? true : undefined), HANG_MS, 'the camera track stopped');
    await listener.page.locator(`li[data-user-id="${b.userId}"]`).waitFor({ state: 'detached' });
  });
});
