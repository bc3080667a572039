// The live Space's layout in real Chromium, with a full stage: a host and twelve speakers
// (node-datachannel bots, cheap next to thirteen browsers), one of them talking with a real
// VP8 camera clip, two more bots listening, a few comments, and one browser watching as a
// guest. At 1280×800 every tile on stage (avatar, name, role) must be in the window without
// scrolling and clear of the floating control bar, with the camera on and off; so must the
// Comments and Listeners panels; and with no camera on there is no second, larger copy of the
// active speaker's avatar above the stage. At 375×812 the active speaker (the stage video, or
// their tile) and the controls come before the comments and listeners, and the comment box is
// docked above the control bar, in sight without scrolling. The home page lists "Live now"
// before the host's "Start a Space" form. Every check reads getBoundingClientRect and what is
// drawn at a point (document.elementFromPoint), after waiting for the state it checks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, type BrowserUser } from '../helpers/browser.js';
import { testPatternIvf } from '../helpers/media-fixtures.js';
import { account, joinSpace, once, waitFor, type TestParticipant } from '../helpers/clients.js';
import { loadVp8Clip, type Vp8Clip } from '../../src/bots/media-clip.js';
import type { RunningServer } from '../../src/server.js';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
const STAGE_SIZE = 13;
/** How long a wait may take before it is a hang (a busy machine stretches every step). */
const HANG_MS = 60_000;

interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** What the page shows in its window, measured in the page: read by every check below. */
interface Measure {
  viewport: { width: number; height: number };
  scrollY: number;
  bar: Box;
  /** Each tile on stage: its box, and whether its avatar, name and role are drawn at their centres, in the window. */
  tiles: Array<{ handle: string; box: Box; parts: Array<{ part: string; box: Box; hit: boolean }> }>;
  comments: Box;
  commentInput: Box & { hit: boolean };
  listeners: Box;
  stageVideo: Box;
  activeTile: Box | null;
  /** Avatars drawn on the stage outside the tiles (a second copy of someone's), with their size. */
  strayAvatars: Array<{ width: number; height: number }>;
}

// Runs in the page. Plain JavaScript in a string: tsx (esbuild) would otherwise wrap the inner
// functions in a `__name` helper that does not exist in the page.
const MEASURE_JS = `(() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; };
  const drawn = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
    const at = document.elementFromPoint(x, y);
    return !!at && (el === at || el.contains(at));
  };
  const q = (sel) => { const el = document.querySelector(sel); if (!el) throw new Error('no ' + sel); return el; };
  const stage = q('section[aria-label="Stage"]');
  const tiles = [...stage.querySelectorAll('li.stage-person')].map((li) => ({
    handle: li.querySelector('.stage-handle').textContent,
    box: box(li),
    parts: [['avatar', '.avatar'], ['name', '.stage-handle'], ['role', '.stage-role']].map(([part, sel]) => {
      const el = li.querySelector(sel);
      return { part, box: box(el), hit: drawn(el) };
    }),
  }));
  const input = q('input[aria-label="Add a comment"]');
  const active = stage.querySelector('li.stage-person[data-active="true"]');
  const strayAvatars = [...stage.querySelectorAll('.avatar')]
    .filter((a) => !a.closest('li.stage-person'))
    .map((a) => a.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0)
    .map((r) => ({ width: r.width, height: r.height }));
  return {
    viewport: { width: innerWidth, height: innerHeight },
    scrollY,
    bar: box(q('[role="toolbar"][aria-label="Your controls"]')),
    tiles,
    comments: box(q('section[aria-label="Comments"]')),
    commentInput: { ...box(input), hit: drawn(input) },
    listeners: box(q('section[aria-label="Listeners"]')),
    stageVideo: box(q('section[aria-label="Stage video"]')),
    activeTile: active ? box(active) : null,
    strayAvatars,
  };
})()`;

const measure = (page: Page): Promise<Measure> => page.evaluate(MEASURE_JS) as Promise<Measure>;

const fmt = (b: Box) => `top ${Math.round(b.top)}, bottom ${Math.round(b.bottom)}, left ${Math.round(b.left)}, right ${Math.round(b.right)}`;

function assertInWindow(m: Measure, b: Box, what: string): void {
  assert.ok(b.top >= 0 && b.left >= 0 && b.right <= m.viewport.width && b.bottom <= m.viewport.height, `${what} is in the window (${fmt(b)})`);
}

/** Entirely above the control bar: nothing of it is under the bar. */
function assertClearOfBar(m: Measure, b: Box, what: string): void {
  assert.ok(b.bottom <= m.bar.top, `${what} ends above the control bar (${fmt(b)}; bar ${fmt(m.bar)})`);
}

/** The whole stage, names and roles and all, in the window and clear of the bar, without scrolling. */
function assertWholeStage(m: Measure): void {
  assert.equal(m.scrollY, 0, 'the page is not scrolled');
  assert.equal(m.tiles.length, STAGE_SIZE, 'everyone is on stage');
  for (const t of m.tiles) {
    assertInWindow(m, t.box, `${t.handle}'s tile`);
    assertClearOfBar(m, t.box, `${t.handle}'s tile`);
    for (const p of t.parts) assert.ok(p.hit, `${t.handle}'s ${p.part} is drawn where it is, not covered or clipped (${fmt(p.box)})`);
  }
}

describe('the layout of a live Space', () => {
  let server: RunningServer;
  let viewer: BrowserUser;
  let host: TestParticipant;
  let talker: TestParticipant;
  let clip: Vp8Clip;
  let spaceUrl = '';
  const bots: TestParticipant[] = [];

  before(async () => {
    [server, clip] = await Promise.all([startTestServer(), testPatternIvf({ seconds: 2 }).then(loadVp8Clip)]);
    viewer = await launchUser({ viewport: DESKTOP });
  });

  after(async () => {
    for (const b of bots) b.close();
    await viewer?.close();
    await server?.close();
  });

  const fullStage = once(async () => {
    const hostApi = await account(server, 'layout_host');
    const spaceId = (await hostApi.createSpace('A full stage, on every screen')).id;
    spaceUrl = `${server.url}/s/${spaceId}`;
    host = await joinSpace(server, spaceId, { api: hostApi });
    bots.push(host);
    await waitFor(() => host.state.you?.role === 'host', 10_000, 'the host in their Space');
    for (let i = 1; i < STAGE_SIZE; i++) {
      const s = await joinSpace(server, spaceId, { api: await account(server, `layout_speaker${i}`), tag: i });
      bots.push(s);
      await s.signalling.act({ action: 'requestToSpeak' });
      await host.signalling.act({ action: 'approve', userId: s.state.you!.userId });
      await waitFor(() => s.state.you?.role === 'speaker', 10_000, `speaker ${i} on stage`);
    }
    for (let i = 0; i < 2; i++) bots.push(await joinSpace(server, spaceId, { guest: true, canPublish: false }));
    // The last speaker talks (synthetic speech with audio levels): the active speaker is the
    // last tile on stage, the one most easily pushed out of sight.
    talker = bots[STAGE_SIZE - 1]!;
    await waitFor(() => talker.peer.state === 'connected', HANG_MS, 'the talker connected');
    await talker.signalling.act({ action: 'setMicMuted', muted: false });
    // The clip plays from the start; the server forwards it while the camera is on.
    talker.peer.startCameraClip(clip);
    talker.peer.setTalking(true);
    talker.peer.startSending();
    for (let i = 0; i < 6; i++) await bots[i % 4]!.signalling.comment(`Comment number ${i + 1} about the show`);

    const page = viewer.page;
    await page.goto(spaceUrl);
    await page
      .locator('section[aria-label="Stage"] li.stage-person')
      .nth(STAGE_SIZE - 1)
      .waitFor({ timeout: HANG_MS });
    await page.locator(`li.stage-person[data-active="true"][data-user-id="${talker.state.you!.userId}"]`).waitFor({ timeout: HANG_MS });
    await page.getByText('Comment number 6 about the show').waitFor({ timeout: HANG_MS });
  });

  /** The talker's camera on (a real VP8 clip) until the viewer plays it, or off until the stage video is empty. */
  async function camera(on: boolean): Promise<void> {
    await fullStage();
    const page = viewer.page;
    const id = talker.state.you!.userId;
    if (on) {
      await talker.signalling.act({ action: 'setCamera', on: true });
      await page.locator(`section[aria-label="Stage video"].is-playing[data-showing="${id}"]`).waitFor({ timeout: HANG_MS });
    } else {
      await talker.signalling.act({ action: 'setCamera', on: false });
      await page.locator('li.stage-person[data-camera="on"]').waitFor({ state: 'detached', timeout: HANG_MS });
      // (Folded away, it has no size: attached is what there is to wait for.)
      await page.locator('section[aria-label="Stage video"][data-showing=""]').waitFor({ state: 'attached', timeout: HANG_MS });
    }
  }

  async function at(size: { width: number; height: number }): Promise<Page> {
    const page = viewer.page;
    await page.setViewportSize(size);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForFunction(([w, h]) => innerWidth === w && innerHeight === h && scrollY === 0, [size.width, size.height]);
    return page;
  }

  it('shows the whole stage at 1280×800 without a camera, and no second copy of the active speaker', async () => {
    await camera(false);
    const m = await measure(await at(DESKTOP));
    assertWholeStage(m);
    assert.deepEqual(m.strayAvatars, [], 'no avatar on the stage outside the tiles (a larger copy of the active speaker)');
    assertInWindow(m, m.listeners, 'the Listeners panel');
    assertClearOfBar(m, m.listeners, 'the Listeners panel');
    assertInWindow(m, m.comments, 'the Comments panel');
    assertClearOfBar(m, m.comments, 'the Comments panel');
    assert.ok(m.commentInput.hit, 'the comment box is drawn, not covered');
  });

  it('shows the whole stage and the stage video together at 1280×800 with a camera on', async () => {
    await camera(true);
    const m = await measure(await at(DESKTOP));
    assertWholeStage(m);
    assertInWindow(m, m.stageVideo, 'the stage video');
    assert.ok(m.stageVideo.bottom - m.stageVideo.top >= 120, `the stage video keeps some height (${fmt(m.stageVideo)})`);
    assertClearOfBar(m, m.listeners, 'the Listeners panel');
    assertClearOfBar(m, m.comments, 'the Comments panel');
  });

  it('puts the stage video and the controls first at 375×812, with the comment box docked', async () => {
    await camera(true);
    const page = await at(PHONE);
    const m = await measure(page);
    assertInWindow(m, m.stageVideo, 'the stage video (the active speaker)');
    assertInWindow(m, m.bar, 'the control bar');
    assert.ok(m.stageVideo.bottom <= m.comments.top && m.stageVideo.bottom <= m.listeners.top, 'the stage video comes before the comments and listeners');
    assertDocked(m);
    await assertNothingUnderTheDock(page);
  });

  it('puts the active speaker and the controls first at 375×812 without a camera, with the comment box docked', async () => {
    await camera(false);
    const page = await at(PHONE);
    const m = await measure(page);
    assert.ok(m.activeTile, 'a tile is marked as the active speaker');
    assertInWindow(m, m.activeTile, "the active speaker's tile");
    assert.ok(
      m.activeTile.bottom <= m.commentInput.top,
      `the active speaker's tile is clear of the docked comment box (${fmt(m.activeTile)}; box ${fmt(m.commentInput)})`,
    );
    assertInWindow(m, m.bar, 'the control bar');
    assert.ok(m.activeTile.bottom <= m.comments.top && m.activeTile.bottom <= m.listeners.top, 'the active speaker comes before the comments and listeners');
    assert.deepEqual(m.strayAvatars, [], 'no avatar on the stage outside the tiles');
    assertDocked(m);
    await assertNothingUnderTheDock(page);
  });

  it('lists "Live now" before the "Start a Space" form on the home page, on a desktop and on a phone', async () => {
    await fullStage();
    const page = viewer.page;
    for (const size of [DESKTOP, PHONE]) {
      await page.setViewportSize(size);
      await page.goto(`${server.url}/`);
      const live = page.getByRole('heading', { name: 'Live now' });
      await page
        .getByRole('link', { name: /A full stage, on every screen/ })
        .first()
        .waitFor({ timeout: HANG_MS });
      const start = page.getByRole('button', { name: 'Start a Space' });
      const before = await live.evaluate(
        (h, form) => !!(h.compareDocumentPosition(form as Node) & Node.DOCUMENT_POSITION_FOLLOWING),
        await start.elementHandle(),
      );
      assert.ok(before, `"Live now" comes before the form in the page at ${size.width}×${size.height}`);
      const [liveBox, startBox] = [await live.boundingBox(), await start.boundingBox()];
      assert.ok(liveBox && startBox);
      if (size === PHONE) assert.ok(liveBox.y < startBox.y, `"Live now" is above the form on a phone (${liveBox.y} vs ${startBox.y})`);
      else assert.ok(liveBox.y <= startBox.y + 1, `"Live now" is not below the form on a desktop (${liveBox.y} vs ${startBox.y})`);
    }
  });
});

/** The comment box sits in the window, drawn, between the page and the control bar. */
function assertDocked(m: Measure): void {
  assertInWindow(m, m.commentInput, 'the comment box');
  assert.ok(m.commentInput.hit, 'the comment box is drawn, not covered');
  assertClearOfBar(m, m.commentInput, 'the comment box');
  assert.ok(m.bar.top - m.commentInput.bottom < 40, `the comment box is docked just above the control bar (${fmt(m.commentInput)}; bar ${fmt(m.bar)})`);
}

/** Scrolled to the end, the comment box stays put and the last of the page (the listeners) ends above it. */
async function assertNothingUnderTheDock(page: Page): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForFunction(() => Math.abs(scrollY + innerHeight - document.documentElement.scrollHeight) < 2);
  const m = await measure(page);
  assertDocked(m);
  assert.ok(
    m.listeners.bottom <= m.commentInput.top,
    `the Listeners panel ends above the docked comment box (${fmt(m.listeners)}; box ${fmt(m.commentInput)})`,
  );
  await page.evaluate(() => window.scrollTo(0, 0));
}
