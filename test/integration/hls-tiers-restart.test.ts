// The node's WebRTC capacity sends further listeners to HLS; and what must outlive a restart
// does: recordings (rows and files) and scheduled Spaces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, until, waitFor } from '../helpers/clients.js';
import { speechWav } from '../helpers/media-fixtures.js';
import { masterAudioProblems } from '../helpers/hls-master.js';
import { loadSpeechClip } from '../../src/bots/media-clip.js';
import type { ServerMessage } from '../../src/protocol/messages.js';

type TierMessage = Extract<ServerMessage, { type: 'tier' }>;

describe('audience tiers', () => {
  it('beyond the WebRTC capacity a listener gets HLS, and asking for WebRTC back is refused until there is room', async () => {
    const server = await startTestServer({ webrtcCapacity: 2 });
    try {
      const hostApi = await account(server, 'cap_host');
      const spaceId = (await hostApi.createSpace('Full house')).id;
      const host = await joinSpace(server, spaceId, { api: hostApi });
      const first = await joinSpace(server, spaceId, { guest: true, canPublish: false });
      const tiers: TierMessage[] = [];
      const second = await joinSpace(server, spaceId, { guest: true, canPublish: false });
      second.signalling.on('tier', (m) => tiers.push(m));
      await waitFor(() => first.peer.state === 'connected', 15_000, 'first listener on WebRTC');
      // The tier message follows the welcome: the second listener may have it before we listen,
      // so count from here.
      const told = tiers.length;
      await second.signalling.setTier('webrtc');
      await waitFor(() => tiers.length > told, 30_000, 'tier answer');
      // The server's own count, read once it has refused: no WebRTC peer for the second listener.
      const tiersNow = async () => {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        const count = (name: string) => Number(metrics.match(new RegExp(`^spaces_audience_tier\\{tier="${name}"\\} (\\d+)`, 'm'))?.[1]);
        return { webrtc: count('webrtc'), hls: count('hls') };
      };
      assert.deepEqual(await tiersNow(), { webrtc: 2, hls: 1 }, 'no WebRTC for the listener beyond capacity');
      assert.deepEqual({ tier: tiers.at(-1)!.tier, reason: tiers.at(-1)!.reason }, { tier: 'hls', reason: 'capacity' });
      assert.equal(tiers.at(-1)!.hlsUrl, `/hls/${spaceId}/master.m3u8`);
      // A place is free once the server has noticed the first listener's socket closing.
      first.close();
      await until(async () => ((await tiersNow()).webrtc < 2 ? true : undefined), 30_000, 'a WebRTC place freed');
      await second.signalling.setTier('webrtc');
      await waitFor(() => tiers.at(-1)?.tier === 'webrtc', 3000, 'a freed place');
      await waitFor(() => second.peer.state === 'connected', 15_000, 'second listener on WebRTC');
      host.close();
      second.close();
    } finally {
      await server.close();
    }
  });

  it('people on stage cannot be put on HLS', async () => {
    const server = await startTestServer();
    try {
      const hostApi = await account(server, 'stage_host');
      const spaceId = (await hostApi.createSpace('Stage')).id;
      const host = await joinSpace(server, spaceId, { api: hostApi });
      await assert.rejects(host.signalling.setTier('hls'), /stay on WebRTC/);
      host.close();
    } finally {
      await server.close();
    }
  });
});

describe('restart', () => {
  it('recordings (rows and files) and scheduled Spaces survive a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spaces-restart-'));
    const dirs = { dataDir, databaseUrl: join(dataDir, 'spaces.db') };
    const speech = await loadSpeechClip(await speechWav('This Space is recorded before the server restarts.'));
    let server = await startTestServer(dirs);
    const hostApi = await account(server, 'restart_host');
    const scheduled = await hostApi.createSpace('Next week', new Date(Date.now() + 7 * 86400_000), { record: true });
    const spaceId = (await hostApi.createSpace('Recorded', undefined, { record: true })).id;
    const host = await joinSpace(server, spaceId, { api: hostApi });
    await waitFor(() => host.peer.state === 'connected', 15_000, 'host connected');
    host.peer.startSendingClip(speech);
    // Something recorded: two segments in the live playlist (it 404s while the encoder starts).
    const segments = async () => {
      const res = await fetch(`${server.url}/hls/${spaceId}/audio.m3u8`);
      return res.ok ? (await res.text()).split('\n').filter((l) => l.endsWith('.m4s')).length : 0;
    };
    await until(async () => ((await segments()) >= 2 ? true : undefined), 60_000, 'two recorded segments', 100);
    await host.signalling.act({ action: 'end' });
    const before = await until(
      async () => {
        const rec = await hostApi.getRecording(spaceId).catch(() => null);
        return rec?.state === 'ready' ? rec : undefined;
      },
      30_000,
      'the recording ready',
      100,
    );
    host.close();
    await server.close();

    server = await startTestServer(dirs);
    try {
      const api = await account(server, 'restart_host');
      const after = await api.getRecording(spaceId);
      assert.deepEqual({ ...after, expiresAt: null }, { ...before!, expiresAt: null }, 'the same recording');
      const master = await fetch(server.url + after.playlistUrl);
      assert.equal(master.status, 200, 'its files are served');
      // Recorded without a camera: the master declares its audio once (RFC 8216), no stray audio group.
      const masterText = await master.text();
      assert.deepEqual(masterAudioProblems(masterText), [], masterText);
      assert.ok(!masterText.includes('video.m3u8') && !masterText.includes('#EXT-X-MEDIA:'), masterText);
      const audio = await (await fetch(server.url + after.playlistUrl.replace('master', 'audio'))).text();
      const segment = audio.split('\n').find((l) => l.endsWith('.m4s'))!;
      assert.equal((await fetch(`${server.url}/recordings/${after.id}/${segment}`)).status, 200);
      const { scheduled: list } = await api.listSpaces();
      const again = list.find((s) => s.id === scheduled.id);
      assert.ok(again, 'the scheduled Space is still listed');
      assert.equal(again.recording, true, 'and still set to be recorded');

      // Retention: nothing is due yet; 31 days on (the default keeps 30), the row and its files go.
      assert.equal(await server.spaces.recordings.sweep(Date.now()), 0);
      assert.equal(await server.spaces.recordings.sweep(Date.now() + 31 * 86400_000), 1);
      await assert.rejects(api.getRecording(spaceId), /no recording/);
      assert.equal((await fetch(server.url + after.playlistUrl)).status, 404, 'its files are gone');
      assert.equal(existsSync(join(dataDir, 'recordings', after.id)), false);
    } finally {
      await server.close();
    }
  });
});
