// The HTTP side of a live Space on a node that does not run it: two real nodes with Redis and
// PostgreSQL, a host talking on the owner, and every request sent to the OTHER node (or to
// nginx in front of both). Live HLS, WHEP playback with a real peer (offer, media, DELETE) and
// the host's recording toggle are answered by the owner through the entry node; a request
// already forwarded once is refused rather than forwarded again; once the Space ends, its
// recording, on shared storage, plays from either node.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import nodeDataChannel, { type Track } from 'node-datachannel';
import { Redis } from 'ioredis';
import { startCluster, type ClusterNodeProcess, type TestCluster } from '../helpers/cluster.js';
import { account, joinSpace, once, startStage, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { GENEROUS_LIMITS_ENV } from '../helpers/server.js';
import { nginxAvailable, startNginx } from '../helpers/nginx.js';
import { finishedRecording } from '../helpers/recordings.js';
import { speechWav } from '../helpers/media-fixtures.js';
import { loadSpeechClip } from '../../src/bots/media-clip.js';
import { keys } from '../../src/cluster/keys.js';
import { closePeerConnection, keepTrack, tracksClosing } from '../../src/media/transport/peer-connection.js';
import type { ApiClient } from '../../src/sdk/api.js';
import { trickledSession } from '../helpers/trickled-offer.js';

const PLAYLIST = /application\/vnd\.apple\.mpegurl/;

describe('cluster HTTP: a live Space served by a node that does not run it', () => {
  let cluster: TestCluster;
  let redis: Redis;
  let hostApi: ApiClient;
  let host: TestParticipant;
  let spaceId: string;
  let owner: ClusterNodeProcess;
  /** A node that does not run the Space: every request of these tests goes here. */
  let other: ClusterNodeProcess;

  before(async () => {
    const started = Date.now();
    cluster = await startCluster({ nodes: 2, env: { ...GENEROUS_LIMITS_ENV, SPACES_HLS_MODE: 'always' } });
    redis = new Redis(cluster.redis.url);
    const speech = await speechWav('This Space runs on one node of the cluster, and any node serves it.').then(loadSpeechClip);
    hostApi = await account(cluster.nodes[0]!, 'chttp_host');
    spaceId = (await hostApi.createSpace('Cluster HTTP')).id;
    // Through node0 whichever node runs it: the SDK follows the redirect to the owner.
    host = await joinSpace(cluster.nodes[0]!, spaceId, { api: hostApi });
    await startStage([host], [host]);
    host.peer.startSendingClip(speech);
    const ownerId = await until(async () => (await redis.get(keys.owner(spaceId))) ?? undefined, 30_000, 'an owner of the Space');
    owner = cluster.nodes.find((n) => n.id === ownerId)!;
    other = cluster.nodes.find((n) => n.id !== ownerId)!;
    assert.ok(owner && other, `the owner ${ownerId} is one of the nodes`);
    console.log(`# cluster up, Space ${spaceId} live on ${owner.id} in ${Date.now() - started} ms; requests go to ${other.id}`);
  });

  after(async () => {
    host?.close();
    redis?.disconnect();
    await cluster?.close();
    // The test's own peers (the host, the WHEP player) run node-datachannel in this process:
    // its threads keep the process alive until the library is cleaned up, and a cleanup while
    // the binding still holds a closed track crashes it (see src/media/transport/peer-connection.ts).
    await waitFor(() => tracksClosing() === 0, 30_000, 'every closed track let go by the binding').catch(() => undefined);
    try {
      nodeDataChannel.cleanup();
    } catch {
      // already cleaned up
    }
  });

  /** Fetches `url` until it answers 200; before that only "not yet" answers (404, 503) are fine. */
  async function until200(url: string, what: string, init: RequestInit = {}): Promise<Response> {
    return until(
      async () => {
        const r = await fetch(url, init);
        if (r.status === 200) return r;
        const text = await r.text();
        assert.ok([404, 503].includes(r.status), `${what}: ${r.status} ${text}`);
        return undefined;
      },
      60_000,
      what,
      200,
    );
  }

  /** The live HLS through `base`: master, audio playlist, init and media segment, all 200 with their types. */
  async function liveHls(base: string): Promise<void> {
    const master = await until200(`${base}/hls/${spaceId}/master.m3u8`, `the master playlist via ${base}`);
    assert.match(master.headers.get('content-type') ?? '', PLAYLIST);
    assert.match(await master.text(), /#EXTM3U/);
    const audio = await until200(`${base}/hls/${spaceId}/audio.m3u8`, `the audio playlist via ${base}`);
    assert.match(audio.headers.get('content-type') ?? '', PLAYLIST);
    assert.equal(audio.headers.get('access-control-allow-origin'), '*');
    const playlist = await audio.text();
    assert.match(playlist, /#EXT-X-PROGRAM-DATE-TIME:/);
    const segmentPath = playlist.split('\n').find((l) => l.endsWith('.m4s'));
    assert.ok(segmentPath, `the playlist lists segments:\n${playlist}`);
    const segment = await fetch(`${base}/hls/${spaceId}/${segmentPath}`);
    assert.equal(segment.status, 200);
    assert.equal(segment.headers.get('content-type'), 'video/iso.segment');
    assert.equal(segment.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.ok((await segment.arrayBuffer()).byteLength > 0, 'the segment has bytes');
    const initPath = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1];
    assert.ok(initPath, 'the playlist names its init segment');
    const init = await fetch(`${base}/hls/${spaceId}/${initPath}`);
    assert.equal(init.status, 200);
    assert.equal(init.headers.get('content-type'), 'video/mp4');
    assert.ok((await init.arrayBuffer()).byteLength > 0, 'the init segment has bytes');
  }

  const hlsOnOther = once(async () => {
    // Only the owner encodes: the other node has no egress of its own to serve from.
    await liveHls(other.url);
  });

  it('the live HLS (master, media playlist, segment) comes from the node that does not run the Space', async () => {
    await hlsOnOther();
  });

  it('nginx in front of both nodes serves the live HLS, reaching each node', async (t) => {
    if (!nginxAvailable()) return t.skip('nginx is not installed');
    await hlsOnOther();
    const nginx = await startNginx(cluster.nodes.map((n) => new URL(n.url).host));
    try {
      // Round-robin over the nodes: of these cache misses, some reach the node that does not run it.
      await liveHls(nginx.url);
    } finally {
      await nginx.stop({ keepDir: true });
    }
    const log = readFileSync(nginx.accessLog, 'utf8');
    rmSync(nginx.dir, { recursive: true, force: true });
    const reached = new Set([...log.matchAll(/upstream=(127\.0\.0\.1:\d+)/g)].map((m) => m[1]));
    const ports = new Set(cluster.nodes.map((n) => new URL(n.url).host));
    console.log(`# nginx reached ${[...reached].join(', ')} of ${[...ports].join(', ')}`);
    assert.ok(reached.has(new URL(other.url).host), `nginx sent some requests to the node that does not run the Space:\n${log}`);
    const hlsLines = log.split('\n').filter((l) => l.includes(`/hls/${spaceId}/`) && /upstream=127/.test(l));
    assert.ok(
      hlsLines.every((l) => !/" (5\d\d) /.test(l)),
      `no 5xx from either node:\n${hlsLines.join('\n')}`,
    );
  });

  it('WHEP through the node that does not run the Space: 201 with an answer, media flows, DELETE there ends it', async () => {
    const pc = new nodeDataChannel.PeerConnection('whep-cluster', { iceServers: [], disableAutoNegotiation: true });
    const audio = new nodeDataChannel.Audio('0', 'RecvOnly');
    audio.addOpusCodec(111);
    const tracks: Track[] = [];
    const track = keepTrack(tracks, pc.addTrack(audio));
    try {
      let packets = 0;
      track.onMessage(() => packets++);
      const listenersBefore = (await hostApi.getSpace(spaceId)).listenerCount;
      const res = await trickledSession(`${other.url}/whep/${spaceId}`, pc);
      const answer = res.body;
      assert.equal(res.status, 201, answer);
      assert.equal(res.headers.get('content-type'), 'application/sdp');
      assert.ok(res.headers.get('etag'), 'an ETag');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const location = res.headers.get('location') ?? '';
      assert.match(location, /^\/whep\/sessions\//, 'a relative Location: PATCH and DELETE come back to the entry node');
      await waitFor(() => pc.state() === 'connected', 30_000, 'the WHEP peer connected to the owner').catch((err: Error) => {
        throw new Error(`${err.message} (state ${pc.state()}); the answer:\n${answer}`);
      });
      await waitFor(() => packets >= 50, 30_000, "the host's audio arriving over WHEP");
      console.log(`# WHEP: ${packets} packets received`);
      await until(
        async () => ((await hostApi.getSpace(spaceId)).listenerCount > listenersBefore ? true : undefined),
        30_000,
        'the WHEP player counted in the audience',
      );

      const patch = await fetch(other.url + location, {
        method: 'PATCH',
        headers: { 'content-type': 'application/trickle-ice-sdpfrag' },
        body: 'a=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n',
      });
      assert.equal(patch.status, 204, await patch.text());
      const del = await fetch(other.url + location, { method: 'DELETE' });
      assert.equal(del.status, 200, await del.text());
      const again = await fetch(other.url + location, { method: 'DELETE' });
      assert.equal(again.status, 404, 'the session is gone on the owner');
      await until(
        async () => ((await hostApi.getSpace(spaceId)).listenerCount === listenersBefore ? true : undefined),
        30_000,
        'the WHEP player gone from the audience',
      );
    } finally {
      closePeerConnection(pc, tracks);
    }
  });

  const recordingOn = once(async () => {
    const res = await fetch(`${other.url}/api/spaces/${spaceId}/recording`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostApi.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ on: true }),
    });
    const body = (await res.json()) as { recording?: boolean };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.recording, true, 'the ack shows the recording on');
  });

  it('the host turns recording on through the node that does not run the Space, and the Space records', async () => {
    await recordingOn();
    // The owner took it as the live Space's action: its recording runs (one per Space, in the shared store).
    const rec = await until(async () => (await hostApi.getRecording(spaceId).catch(() => undefined)) ?? undefined, 30_000, 'a recording of the Space');
    assert.equal(rec.state, 'recording');
    assert.equal((await hostApi.getSpace(spaceId)).recording, true);
  });

  it('a request already forwarded once is refused with 503, not forwarded again', async () => {
    const hls = await fetch(`${other.url}/hls/${spaceId}/master.m3u8`, { headers: { 'x-spaces-forwarded': '1' } });
    assert.equal(hls.status, 503);
    assert.equal(hls.headers.get('retry-after'), '1');
    assert.equal(((await hls.json()) as { code: string }).code, 'unavailable');
    const toggle = await fetch(`${other.url}/api/spaces/${spaceId}/recording`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostApi.token}`, 'content-type': 'application/json', 'x-spaces-forwarded': '1' },
      body: JSON.stringify({ on: true }),
    });
    assert.equal(toggle.status, 503);
    await toggle.arrayBuffer();
    // On the owner the same header changes nothing: it serves the Space itself.
    const onOwner = await fetch(`${owner.url}/hls/${spaceId}/master.m3u8`, { headers: { 'x-spaces-forwarded': '1' } });
    assert.equal(onOwner.status, 200);
    await onOwner.arrayBuffer();
  });

  it('after the Space ends, its recording plays from every node', async () => {
    await recordingOn();
    await hlsOnOther();
    await host.signalling.act({ action: 'end' });
    const rec = await finishedRecording(hostApi, spaceId);
    assert.ok(rec?.state === 'ready', `the recording is ready: ${JSON.stringify(rec)}`);
    const playlistUrl: string = rec.playlistUrl;
    for (const node of cluster.nodes) {
      const master = await fetch(node.url + playlistUrl);
      assert.equal(master.status, 200, `the recording's master on ${node.id}`);
      assert.match(master.headers.get('content-type') ?? '', PLAYLIST);
      await master.arrayBuffer();
      const audio = await fetch(node.url + playlistUrl.replace('master', 'audio'));
      assert.equal(audio.status, 200, `the recording's audio playlist on ${node.id}`);
      const text = await audio.text();
      assert.match(text, /#EXT-X-ENDLIST/);
      const segment = text.split('\n').find((l) => l.endsWith('.m4s'));
      assert.ok(segment, 'the recording lists segments');
      const base = playlistUrl.replace(/[^/]+$/, '');
      const seg = await fetch(node.url + base + segment);
      assert.equal(seg.status, 200, `a segment of the recording on ${node.id}`);
      assert.ok((await seg.arrayBuffer()).byteLength > 0);
    }
  });
});
