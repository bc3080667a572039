// Broadcasts, stream keys, chat and reactions in real Chromium with fake devices. A host signs
// up and presses "Go live" (with Record Space): the page opens with the host's camera on at
// 720p30, and a guest who finds it on the home page ("LIVE video") sees that camera (a solid
// red Y4M) in the stage video. The host opens "Stream from an encoder", shows the key, and
// rotating it gives a new key while the old one stops working for WHIP. A signed-in viewer and
// the guest exchange comments; the host deletes one and it vanishes from the other pages; a
// reaction sent by one page floats up on another. Low data mode plays the audio-only playlist
// and shows avatars. The host blocks the guest from a comment's menu; the replay shows the
// comments posted while it recorded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestServer } from '../helpers/server.js';
import { launchUser, signUp, videoCentreColour, type BrowserUser } from '../helpers/browser.js';
import { colourY4m, silenceWav } from '../helpers/media-fixtures.js';
import { until, once } from '../helpers/clients.js';
import type { RunningServer } from '../../src/server.js';
import type { SpaceList } from '../../src/sdk/api.js';
import type { RecordingView } from '../../src/protocol/messages.js';

const STAGE_VIDEO = 'section[aria-label="Stage video"] video[data-stage-video]';
const HLS_MEDIA = 'video[data-hls-player]';

const controls = (page: Page) => page.getByRole('toolbar', { name: 'Your controls' });
const comments = (page: Page) => page.getByRole('region', { name: 'Comments' });
const commentItem = (page: Page, text: string) => comments(page).getByRole('listitem').filter({ hasText: text });

async function postComment(page: Page, text: string): Promise<void> {
  const box = comments(page).getByRole('textbox', { name: 'Add a comment' });
  await box.fill(text);
  await comments(page).getByRole('button', { name: 'Send', exact: true }).click();
}

/** What the page's camera sender captures (the track the MediaSession sends on both layers). */
const cameraSettings = (page: Page) =>
  page.evaluate(() => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState !== 'closed');
    const track = pcs.flatMap((pc) => pc.getSenders()).find((s) => s.track?.kind === 'video' && s.track.readyState === 'live')?.track;
    if (!track) return null;
    const s = track.getSettings();
    return { width: s.width ?? 0, height: s.height ?? 0, frameRate: Math.round(s.frameRate ?? 0) };
  });

/**
 * Where a guest waiting for the stage video stands: its PeerConnections and inbound video,
 * the host's outbound camera layers, and the server's keyframe counters.
 */
async function stageSlotDiagnosis(guest: Page, host: Page, baseUrl: string): Promise<string> {
  const peers = (page: Page) =>
    page.evaluate(async () => {
      const out: string[] = [];
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        const video: string[] = [];
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video') video.push(`in ${r.packetsReceived} packets, ${r.keyFramesDecoded} keyframes, ${r.pliCount} PLI`);
          if (r.type === 'outbound-rtp' && r.kind === 'video')
            video.push(
              `out ${r.frameWidth ?? 0}w ${r.framesEncoded} frames, ${r.keyFramesEncoded} keyframes, ${r.pliCount} PLI, limited by ${r.qualityLimitationReason}`,
            );
        });
        out.push(`${pc.connectionState}/${pc.signalingState} ${video.join('; ')}`);
      }
      return out.join(' | ');
    });
  const metrics = (await (await fetch(`${baseUrl}/metrics`)).text())
    .split('\n')
    .filter((l) => /^spaces_(keyframe_requests|rtp_packets_(in|out))_total/.test(l));
  const showing = await guest
    .locator('section[aria-label="Stage video"]')
    .getAttribute('data-showing', { timeout: 1000 })
    .catch(() => 'no stage video');
  return `guest showing "${showing}": ${await peers(guest)}\nhost: ${await peers(host)}\nserver: ${metrics.join(', ')}`;
}

/** A WHIP POST with this key: 401 when the key is not (or no longer) valid. */
async function whipStatus(baseUrl: string, spaceId: string, key: string): Promise<number> {
  const res = await fetch(`${baseUrl}/whip/${spaceId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` },
    body: 'v=0\r\n',
  });
  await res.arrayBuffer();
  return res.status;
}

describe('broadcasts, stream keys, chat and reactions in the browser', () => {
  let server: RunningServer;
  let host: BrowserUser;
  let guest: BrowserUser;
  let viewer: BrowserUser;
  let spaceUrl = '';
  let spaceId = '';
  let hostId = '';

  before(async () => {
    server = await startTestServer();
    const silence = silenceWav();
    // The host's camera: solid red, 1280x720 at 30 fps, as "Go live" asks for.
    const red = colourY4m('0xff0000', { width: 1280, height: 720, fps: 30, seconds: 1 });
    [host, guest, viewer] = await Promise.all([
      launchUser({ audioWav: silence, videoY4m: red }),
      launchUser({ audioWav: silence, viewport: { width: 390, height: 844 } }),
      launchUser({ audioWav: silence }),
    ]);
  });

  after(async () => {
    await Promise.all([host, guest, viewer].map((u) => u?.close()));
    await server?.close();
  });

  // Each test sets up what it needs through these once-only steps, so any test runs alone
  // (and in order, each step runs once and is shared).
  const live = once(async () => {
    const page = host.page;
    await signUp(page, server.url, 'bc_host');
    await page.getByLabel('Title').fill('Live from the workshop');
    await page.getByRole('checkbox', { name: 'Record Space' }).check();
    await page.getByRole('button', { name: 'Go live', exact: true }).click();
    await page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/);
    spaceUrl = page.url();
    spaceId = spaceUrl.split('/').pop()!;
    // Nobody pressed "Turn camera on": Go live did.
    await controls(page).getByRole('button', { name: 'Turn camera off', exact: true }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Your camera preview').waitFor();
    await page.locator('li[data-role="host"][data-camera="on"]').waitFor({ timeout: 60_000 });
    hostId = (await page.locator('li[data-role="host"]').getAttribute('data-user-id')) ?? '';
    assert.ok(hostId, 'the host is on stage');
    // The microphone comes on with it (a host starts on stage, unmuted).
    await controls(page).getByRole('button', { name: 'Mute', exact: true }).waitFor();
    const settings = await until(async () => (await cameraSettings(page)) ?? undefined, 60_000, 'the camera sender');
    assert.deepEqual(settings, { width: 1280, height: 720, frameRate: 30 }, 'the camera is captured at 720p30');
    // The server knows it as a broadcast.
    const list = (await (await fetch(`${server.url}/api/spaces`)).json()) as SpaceList;
    assert.equal(list.live.find((s) => s.id === spaceId)?.kind, 'broadcast');
  });
  it('goes live from the home page with the camera on at 720p30', () => live());

  /** The viewer signed up and in the Space's audience. */
  const viewerIn = once(async () => {
    await live();
    await signUp(viewer.page, server.url, 'bc_viewer');
    await viewer.page.goto(spaceUrl);
  });

  const guestWatching = once(async () => {
    await live();
    const page = guest.page;
    await page.goto(`${server.url}/`);
    const card = page.locator('article[data-kind="broadcast"]').filter({ hasText: 'Live from the workshop' });
    await card.getByText('Live video').waitFor();
    await card.getByRole('link', { name: 'Live from the workshop' }).click();
    await page.waitForURL(spaceUrl);
    const region = page.getByRole('region', { name: 'Stage video', exact: true });
    // The server's stageVideo message (data-showing) comes once the guest's PeerConnection is
    // up and the host's next keyframe has gone out to it: a wait for that event, with a limit
    // that only bounds a hang (under load each of those steps takes seconds). Should it ever
    // hang, the message says how far the guest got.
    await page
      .locator(`section[aria-label="Stage video"][data-showing="${hostId}"]`)
      .waitFor({ timeout: 90_000 })
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await stageSlotDiagnosis(page, host.page, server.url)}`);
      });
    const colour = await until(
      async () => {
        const rgb = await videoCentreColour(page, STAGE_VIDEO);
        return rgb && rgb[0] > 180 && rgb[1] < 90 && rgb[2] < 90 ? rgb : undefined;
      },
      60_000,
      "the host's red camera at the guest",
    );
    assert.ok(colour[0] > 180, `red: ${colour.join(',')}`);
    // A broadcast: the picture comes first on the page, 16:9.
    const box = await region.boundingBox();
    assert.ok(box && Math.abs(box.width / box.height - 16 / 9) < 0.05, `16:9 stage video: ${JSON.stringify(box)}`);
  });
  it("shows a guest the broadcast in the list and the host's camera in the stage video", () => guestWatching());

  it('issues a stream key in the dialog, and rotating it replaces the key', async () => {
    await live();
    const page = host.page;
    await page.getByRole('button', { name: 'Stream from an encoder' }).click();
    const dialog = page.getByRole('dialog', { name: 'Stream from an encoder' });
    await dialog.waitFor();
    const url = dialog.getByLabel('Server (WHIP URL)');
    const key = dialog.getByLabel('Stream key (Bearer Token)');
    await until(async () => ((await key.inputValue()) ? true : undefined), 60_000, 'a stream key');
    assert.equal(await url.inputValue(), `${server.url}/whip/${spaceId}`);
    assert.equal(await dialog.getByLabel('Playback (WHEP URL)').inputValue(), `${server.url}/whep/${spaceId}`);
    assert.equal(await key.getAttribute('type'), 'password', 'the key is masked');
    await dialog.getByRole('button', { name: 'Show', exact: true }).click();
    assert.equal(await key.getAttribute('type'), 'text');
    const first = await key.inputValue();
    assert.notEqual(await whipStatus(server.url, spaceId, first), 401, 'the key works for WHIP');

    await dialog.getByRole('button', { name: 'Rotate key' }).click();
    const second = await until(
      async () => {
        const v = await key.inputValue();
        return v && v !== first ? v : undefined;
      },
      60_000,
      'a new key',
    );
    assert.notEqual(second, first);
    assert.equal(await whipStatus(server.url, spaceId, first), 401, 'the old key stops working at once');
    assert.notEqual(await whipStatus(server.url, spaceId, second), 401, 'the new key works');
    // Opening it again shows the same key: it does not rotate by itself.
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Stream from an encoder' }).click();
    await dialog.getByRole('button', { name: 'Show', exact: true }).click();
    assert.equal(await key.inputValue(), second);
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  it("offers a speaker's stream key from their person menu", async () => {
    await viewerIn();
    const page = viewer.page;
    await controls(page).getByRole('button', { name: 'Request to speak' }).click();
    const request = host.page.getByRole('region', { name: 'Requests' }).getByRole('listitem').filter({ hasText: 'bc_viewer' });
    await request.getByRole('button', { name: 'Approve' }).click();
    await controls(page).getByRole('button', { name: 'Leave stage' }).waitFor();
    await host.page.getByRole('button', { name: 'Actions for bc_viewer' }).click();
    await host.page.getByRole('menuitem', { name: 'Stream key for @bc_viewer' }).click();
    const dialog = host.page.getByRole('dialog', { name: 'Stream key for @bc_viewer' });
    const key = dialog.getByLabel('Stream key (Bearer Token)');
    const value = await until(async () => (await key.inputValue()) || undefined, 60_000, "the speaker's key");
    assert.notEqual(await whipStatus(server.url, spaceId, value), 401, "the speaker's key works for WHIP");
    await dialog.getByRole('button', { name: 'Done' }).click();
    // Back to the audience, to comment and watch like everyone else.
    await controls(page).getByRole('button', { name: 'Leave stage' }).click();
    await controls(page).getByRole('button', { name: 'Request to speak' }).waitFor();
  });

  const commentsExchanged = once(async () => {
    await guestWatching();
    await viewerIn();
    await postComment(viewer.page, 'Hello from the back row');
    await commentItem(guest.page, 'Hello from the back row').waitFor();
    await commentItem(host.page, 'Hello from the back row').waitFor();
    await postComment(guest.page, 'Greetings from a guest');
    await commentItem(viewer.page, 'Greetings from a guest').waitFor();
    // The box is empty again once the comment went out (the others may see it before the ack).
    const box = comments(guest.page).getByRole('textbox', { name: 'Add a comment' });
    await until(async () => ((await box.inputValue()) === '' ? true : undefined), 60_000, 'an empty comment box');
    // The same words twice in a row: refused, and said so.
    await postComment(guest.page, 'Greetings from a guest');
    await guest.page.getByRole('alert').filter({ hasText: 'You just posted that.' }).waitFor();
    assert.equal(await commentItem(viewer.page, 'Greetings from a guest').count(), 1);
  });
  it('exchanges comments between two browsers', () => commentsExchanged());

  const commentDeleted = once(async () => {
    await commentsExchanged();
    const page = host.page;
    // Nobody else may: the viewer has no menu on the guest's comment.
    assert.equal(
      await commentItem(viewer.page, 'Greetings from a guest')
        .getByRole('button', { name: /Comment options/ })
        .count(),
      0,
    );
    await commentItem(page, 'Hello from the back row').getByRole('button', { name: 'Comment options for bc_viewer' }).click();
    await page.getByRole('menuitem', { name: 'Delete comment' }).click();
    await commentItem(guest.page, 'Hello from the back row').waitFor({ state: 'detached' });
    await commentItem(viewer.page, 'Hello from the back row').waitFor({ state: 'detached' });
    await commentItem(page, 'Hello from the back row').waitFor({ state: 'detached' });
    assert.equal(await commentItem(viewer.page, 'Greetings from a guest').count(), 1, 'the other comment stays');
  });
  it('lets the host delete a comment, and it vanishes from the other pages', () => commentDeleted());

  it('floats a reaction sent by one page over the stage of the others', async () => {
    await guestWatching();
    await viewerIn();
    await guest.page.getByRole('button', { name: 'React 🔥' }).click();
    await host.page.locator('.reaction-layer .reaction-floater[data-emoji="🔥"]').first().waitFor({ state: 'attached' });
    await viewer.page.locator('.reaction-layer .reaction-floater[data-emoji="🔥"]').first().waitFor({ state: 'attached' });
    // The reactor sees their own too (from the same batch as everyone).
    await guest.page.locator('.reaction-layer .reaction-floater[data-emoji="🔥"]').first().waitFor({ state: 'attached' });
    // They go again.
    await host.page.locator('.reaction-floater').first().waitFor({ state: 'detached', timeout: 60_000 });
  });

  it("plays only Low data mode's audio playlist, with avatars instead of video", async () => {
    await viewerIn();
    const page = viewer.page;
    const playlists: string[] = [];
    page.on('request', (req) => {
      const m = /\/hls\/[^/]+\/([a-z]+\.m3u8)/.exec(req.url());
      if (m) playlists.push(m[1]!);
    });
    const toggle = page.getByRole('button', { name: 'Low data mode' });
    await toggle.click();
    await until(async () => ((await toggle.getAttribute('aria-pressed')) === 'true' ? true : undefined), 60_000, 'Low data mode on');
    const region = page.getByRole('region', { name: 'Stage video', exact: true });
    await until(async () => ((await region.getAttribute('data-audio-only')) === 'true' ? true : undefined), 60_000, 'the audio-only stage');
    await until(
      async () => ((await page.evaluate((sel) => document.querySelector<HTMLMediaElement>(sel)?.currentTime ?? 0, HLS_MEDIA)) > 0.5 ? true : undefined),
      60_000,
      'the audio playlist playing',
    );
    // Its own low-bitrate Opus rendition (Chromium plays Opus in fMP4), not the AAC one.
    assert.ok(playlists.includes('low.m3u8'), `the Low data playlist was loaded: ${playlists.join(', ')}`);
    assert.ok(!['master.m3u8', 'video.m3u8', 'audio.m3u8'].some((p) => playlists.includes(p)), `nothing else: ${playlists.join(', ')}`);
    assert.equal(await page.locator(HLS_MEDIA).evaluate((v: HTMLVideoElement) => v.videoWidth), 0, 'no picture decoded');
    // The host's avatar stands in for the camera.
    await region.getByText('Audio only in Low data mode').waitFor();
    await toggle.click();
    await page.locator(HLS_MEDIA).waitFor({ state: 'detached', timeout: 60_000 });
  });

  it("blocks a commenter from the Space from their comment's menu", async () => {
    await commentsExchanged();
    const page = host.page;
    await commentItem(page, 'Greetings from a guest')
      .getByRole('button', { name: /^Comment options for guest-/ })
      .click();
    await page.getByRole('menuitem', { name: 'Block from Space' }).click();
    // A ban for the Space's life: it asks first.
    await page
      .getByRole('dialog', { name: /^Block guest-.* from this Space\?$/ })
      .getByRole('button', { name: 'Block', exact: true })
      .click();
    await guest.page.getByText('You were removed from this Space').waitFor({ timeout: 60_000 });
  });

  it('shows the comments in the replay at their time in the recording', async () => {
    await commentDeleted();
    await postComment(viewer.page, 'Thanks for the show');
    await commentItem(host.page, 'Thanks for the show').waitFor();
    // End only once the recording has media past the comment, so the replay reaches it.
    await until(
      async () => {
        const rec = (await (await fetch(`${server.url}/api/spaces/${spaceId}/recording`)).json()) as RecordingView;
        const c = rec.comments.find((c) => c.text === 'Thanks for the show');
        return c && rec.durationSec > c.atSec ? true : undefined;
      },
      60_000,
      'the recording past the last comment',
      200,
    );
    await host.page.getByRole('button', { name: 'End Space' }).first().click();
    await host.page.getByRole('dialog').getByRole('button', { name: 'End Space' }).click();
    const page = viewer.page;
    const seek = page.getByRole('slider', { name: 'Seek' });
    await seek.waitFor({ timeout: 60_000 });
    const panel = page.getByRole('region', { name: 'Comments' });
    await panel.waitFor();
    // The deleted comment is not in the replay; the others appear once the replay reaches them.
    await seek.focus();
    await page.keyboard.press('End');
    await panel.getByRole('listitem').filter({ hasText: 'Thanks for the show' }).waitFor({ timeout: 60_000 });
    await panel.getByRole('listitem').filter({ hasText: 'Greetings from a guest' }).waitFor();
    const recording = await (await fetch(`${server.url}/api/spaces/${spaceId}/recording`)).text();
    assert.equal(await panel.getByRole('listitem').filter({ hasText: 'Hello from the back row' }).count(), 0, `deleted comments stay out: ${recording}`);
    // A comment's time seeks the replay to it.
    await panel.getByRole('button', { name: /when @bc_viewer commented/ }).click();
    const t = await page.evaluate(() => document.querySelector<HTMLMediaElement>('video[data-replay-player]')?.currentTime ?? -1);
    assert.ok(t >= 0, 'the replay has a clock');
  });
});
