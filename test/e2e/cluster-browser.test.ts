// A Space in real Chromium across a two-node cluster: the host signs up and starts a Space on
// one node with its camera (a solid-colour fake camera) and its microphone (espeak-ng speech) on;
// a listener opens the Space's page on the node that does not run it. That page and its HTTP
// API stay on the listener's node, while its WebSocket is redirected to the owner's /ws, another
// origin: the Content-Security-Policy must allow it (SPACES_CLUSTER_ORIGINS) and Chromium must
// report no violation. The listener must then hear the host (inbound audio that grows, with a
// level) and see the host's camera in the stage video (frames decoded, of the camera's colour).
// Each node serves one WebRTC peer (SPACES_WEBRTC_CAPACITY=1): the host's takes the owner's
// place, so the listener's PeerConnection is on the node it opened the page on, an edge of the
// Space fed by the owner over the node relay, while its signalling is the owner's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { scrapeMetric } from '../helpers/metrics.js';
import { inboundAudio, launchUser, signUp, videoCentreColour, type BrowserUser, type Rgb } from '../helpers/browser.js';
import { colourY4m, speechWav, silenceWav } from '../helpers/media-fixtures.js';
import { once, until } from '../helpers/clients.js';
import { keys } from '../../src/cluster/keys.js';

const STAGE_VIDEO = 'section[aria-label="Stage video"] video[data-stage-video]';
const GREEN: Rgb = [0, 255, 0];
/** How long a wait may take before it is a hang (a busy machine stretches every step). */
const HANG_MS = 60_000;
const TALK =
  'Good evening from the first node of the cluster. I am the host of this Space and I will keep talking for a while, ' +
  'so that everyone listening on the other node can hear me clearly, whichever node they opened the page on.';

const controls = (page: Page) => page.getByRole('toolbar', { name: 'Your controls' });

/** Frames the page's stage video has decoded, and its size (from the element and its receiver's stats). */
const stageVideoFrames = (page: Page) =>
  page.evaluate(async (sel) => {
    const v = document.querySelector<HTMLVideoElement>(sel);
    let framesDecoded = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += s.framesDecoded ?? 0;
      });
    }
    return { width: v?.videoWidth ?? 0, height: v?.videoHeight ?? 0, paused: v?.paused ?? true, framesDecoded };
  }, STAGE_VIDEO);

describe('a Space in the browser across a cluster', () => {
  let cluster: TestCluster;
  let redis: Redis;
  let host: BrowserUser;
  let listener: BrowserUser;
  let spaceId = '';
  /** The node that runs the Space, and the node the listener opens it on. */
  let ownerUrl = '';
  let listenerNodeUrl = '';
  const listenerSockets: string[] = [];

  before(async () => {
    cluster = await startCluster({ nodes: 2, env: { SPACES_WEBRTC_CAPACITY: '1' } });
    redis = new Redis(cluster.redis.url, { lazyConnect: true });
    await redis.connect();
    [host, listener] = await Promise.all([
      launchUser({ audioWav: speechWav('e2e-cluster-host', TALK, 0.3), videoY4m: colourY4m('0x00ff00') }),
      launchUser({ audioWav: silenceWav() }),
    ]);
    listener.page.on('websocket', (ws) => listenerSockets.push(ws.url()));
  });

  after(async () => {
    await Promise.all([host, listener].map((u) => u?.close()));
    redis?.disconnect();
    await cluster?.close();
  });

  const spaceLive = once(async () => {
    const page = host.page;
    const started = Date.now();
    await signUp(page, cluster.nodes[0]!.url, 'cluster_host');
    await page.getByLabel('Title').fill('Across the cluster');
    await page.getByRole('button', { name: 'Start a Space' }).click();
    await page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/);
    spaceId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('region', { name: 'Stage' }).getByRole('listitem').filter({ hasText: 'cluster_host' }).waitFor({ timeout: HANG_MS });
    await controls(page).getByRole('button', { name: 'Turn camera on', exact: true }).click();
    await controls(page).getByRole('button', { name: 'Turn camera off', exact: true }).waitFor({ timeout: HANG_MS });
    const owner = await until(async () => (await redis.get(keys.owner(spaceId))) ?? undefined, HANG_MS, 'the Space to have an owner');
    const ownerNode = cluster.nodes.find((n) => n.id === owner);
    assert.ok(ownerNode, `the owner ${owner} is a node of the cluster`);
    ownerUrl = ownerNode.url;
    listenerNodeUrl = cluster.nodes.find((n) => n.id !== owner)!.url;
    console.log(`cluster-browser: Space ${spaceId} runs on ${owner}; host page on node0; live with its camera in ${Date.now() - started} ms`);
  });

  const listenerIn = once(async () => {
    await spaceLive();
    const opened = Date.now();
    await listener.page.goto(`${listenerNodeUrl}/s/${spaceId}`);
    await listener.page.getByText(/\d+ listening/).waitFor({ timeout: HANG_MS });
    console.log(`cluster-browser: listener in through the other node in ${Date.now() - opened} ms`);
  });

  it("lets the listener's page, served by a node that does not run the Space, follow the redirect to the owner's WebSocket", async () => {
    await listenerIn();
    assert.notEqual(new URL(listenerNodeUrl).origin, new URL(ownerUrl).origin, 'the listener is on another origin than the owner');
    assert.equal(new URL(listener.page.url()).origin, new URL(listenerNodeUrl).origin, 'the page stays on its own node');
    const entry = `${listenerNodeUrl.replace(/^http/, 'ws')}/ws`;
    const owners = `${ownerUrl.replace(/^http/, 'ws')}/ws`;
    assert.ok(listenerSockets.includes(entry), `a socket to its own node first: ${listenerSockets.join(', ')}`);
    assert.ok(listenerSockets.includes(owners), `then to the owner's: ${listenerSockets.join(', ')}`);
    const csp = (await fetch(`${listenerNodeUrl}/s/${spaceId}`)).headers.get('content-security-policy') ?? '';
    const connectSrc = /connect-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
    assert.ok(connectSrc.includes(new URL(owners).origin), `connect-src lists the owner's WebSocket origin: ${connectSrc.join(' ')}`);
    assert.ok(
      connectSrc.every((s) => s === "'self'" || /^ws:\/\/127\.0\.0\.1:\d+$/.test(s)),
      `connect-src allows nothing but this origin and the nodes' WebSockets: ${connectSrc.join(' ')}`,
    );
    assert.deepEqual(listener.cspViolations, [], 'Chromium reported no Content-Security-Policy violation');
  });

  it("serves the listener's media from the node it opened the page on, an edge of the Space", async () => {
    await listenerIn();
    const edge = cluster.nodes.find((n) => n.url === listenerNodeUrl)!;
    const owner = cluster.nodes.find((n) => n.url === ownerUrl)!;
    // The port of the server candidate of the browser's selected candidate pair.
    const ports = await until(
      async () => {
        const found = await listener.page.evaluate(async () => {
          const out: number[] = [];
          for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
            if (pc.connectionState !== 'connected') continue;
            const stats = await pc.getStats();
            stats.forEach((s) => {
              if (s.type !== 'candidate-pair' || !s.nominated || s.state !== 'succeeded') return;
              const remote = stats.get(s.remoteCandidateId) as { port?: number } | undefined;
              if (remote?.port) out.push(remote.port);
            });
          }
          return out;
        });
        return found.length > 0 ? found : undefined;
      },
      HANG_MS,
      "the listener's connected candidate pair",
    );
    assert.deepEqual(ports, [edge.mediaPort], `the listener's PeerConnection is on ${edge.id}'s media port, not on the owner's (${owner.mediaPort})`);
    assert.equal(await scrapeMetric(ownerUrl, 'spaces_cluster_listeners_on_edges'), 1);
    assert.equal(await scrapeMetric(listenerNodeUrl, 'spaces_cluster_edge_copies'), 1);
  });

  it('lets the listener hear the host', async () => {
    await listenerIn();
    const page = listener.page;
    let last = { bytes: 0, packets: 0, maxLevel: 0 };
    let grew = 0;
    await until(
      async () => {
        const s = await inboundAudio(page);
        if (s.bytes > last.bytes) grew++;
        last = s;
        return grew >= 5 && s.maxLevel > 0 && s.bytes > 1000 ? s : undefined;
      },
      HANG_MS,
      'inbound audio that keeps growing, past 1000 bytes, with a level above zero',
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${last.bytes} bytes, ${last.packets} packets, level ${last.maxLevel}`);
    });
    // The owner measured the host's voice and told this page, through the redirected socket.
    await page.locator('[data-speaking="true"]').filter({ hasText: 'cluster_host' }).first().waitFor({ timeout: HANG_MS });
  });

  it("lets the listener see the host's camera in the stage video", async () => {
    await listenerIn();
    const page = listener.page;
    await page.getByRole('region', { name: 'Stage video', exact: true }).waitFor({ timeout: HANG_MS });
    const first = await until(
      async () => {
        const f = await stageVideoFrames(page);
        return f.width > 0 && f.framesDecoded > 0 && !f.paused ? f : undefined;
      },
      HANG_MS,
      'the stage video to play decoded frames',
    );
    await until(async () => ((await stageVideoFrames(page)).framesDecoded > first.framesDecoded ? true : undefined), HANG_MS, 'more frames to be decoded');
    const colour = await until(
      async () => {
        const c = await videoCentreColour(page, STAGE_VIDEO);
        return c && Math.hypot(c[0] - GREEN[0], c[1] - GREEN[1], c[2] - GREEN[2]) <= 110 ? c : undefined;
      },
      HANG_MS,
      "the stage video to show the host's green camera",
    );
    console.log(`cluster-browser: stage video ${first.width}x${first.height}, centre colour ${colour.join(',')}`);
    assert.deepEqual(listener.cspViolations, [], 'Chromium reported no Content-Security-Policy violation');
  });
});
