// The HLS tier end to end: a bot speaks real Opus and shows a real VP8 camera on stage; a
// listener turns on Low data mode and is moved to HLS; ffmpeg, reading the origin's master
// playlist like any HLS player, gets continuous audio with the speech in it and the camera's
// picture once the stage video follows the speaker. The Space is recorded; when it ends the
// replay is a VOD whose duration and speaker timeline match what happened.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { finishedRecording } from '../helpers/recordings.js';
import { hlsAudio, probeDuration, rmsWindows, videoDetail } from '../helpers/hls.js';
import { masterAudioProblems } from '../helpers/hls-master.js';
import { checkHls, describeMeasures } from '../helpers/hls-conformance.js';
import { account, joinSpace, sleep, until, waitFor, type TestParticipant, once } from '../helpers/clients.js';
import { speechWav, testPatternIvf } from '../helpers/media-fixtures.js';
import { loadSpeechClip, loadVp8Clip } from '../../src/bots/media-clip.js';
import type { RunningServer } from '../../src/server.js';
import type { ApiClient } from '../../src/sdk/api.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

for (const mediaWorkers of [1, 2])
  describe(`HLS tier and recording (${mediaWorkers} media worker${mediaWorkers > 1 ? 's: the encoder taps worker 0, which hears every publisher through the relay' : ''})`, () => {
    let server: RunningServer;
    let hostApi: ApiClient;
    let host: TestParticipant;
    let listener: TestParticipant;
    let second: TestParticipant;
    let spaceId: string;
    const tiers: Array<Extract<ServerMessage, { type: 'tier' }>> = [];
    const secondTiers: Array<Extract<ServerMessage, { type: 'tier' }>> = [];
    let spaceStartedAt = 0;
    let secondSpeech: Awaited<ReturnType<typeof loadSpeechClip>>;
    /** When the listener was told the second speaker had taken over (ms since the epoch). */
    let handoverAt = 0;
    /** When the second speaker started sending (before the server can have seen them take over). */
    let secondSpeechAt = 0;
    /** A moment by which the encoder was running: its first live playlist had been served. */
    let encoderRunningBy = 0;

    before(async () => {
      const [speech, camera] = await Promise.all([
        speechWav('Welcome to the Space. We are testing the HLS tier with real speech.').then(loadSpeechClip),
        // 720p under temporal noise: as much motion as a camera can bring, the peak BANDWIDTH must hold for.
        testPatternIvf({ width: 1280, height: 720, seconds: 2, motion: true }).then(loadVp8Clip),
      ]);
      secondSpeech = await speechWav('Thank you for having me on stage. I moved here from the HLS audience.').then(loadSpeechClip);
      server = await startTestServer({ mediaWorkers });
      hostApi = await account(server, 'hls_host');
      spaceStartedAt = Date.now();
      spaceId = (await hostApi.createSpace('HLS', undefined, { record: true })).id;
      host = await joinSpace(server, spaceId, { api: hostApi });
      listener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
      listener.signalling.on('tier', (m) => tiers.push(m));
      const secondApi = await account(server, 'hls_second');
      second = await joinSpace(server, spaceId, { api: secondApi });
      second.signalling.on('tier', (m) => secondTiers.push(m));
      await waitFor(() => host.peer.state === 'connected', 15_000, 'host connected');
      await host.signalling.act({ action: 'setCamera', on: true });
      host.peer.startSendingClip(speech);
      host.peer.startCameraClip(camera);
    });

    after(async () => {
      host?.close();
      listener?.close();
      second?.close();
      await server?.close();
    });

    it('Low data mode moves a listener to HLS, and the origin serves a master with audio and video variants', async () => {
      await listener.signalling.setTier('hls');
      await waitFor(() => tiers.some((t) => t.tier === 'hls'), 30_000, 'tier message');
      const tier = tiers.find((t) => t.tier === 'hls')!;
      assert.equal(tier.reason, 'requested');
      assert.equal(tier.hlsUrl, `/hls/${spaceId}/master.m3u8`);
      const master = await fetch(server.url + tier.hlsUrl);
      assert.equal(master.status, 200);
      assert.match(master.headers.get('content-type') ?? '', /mpegurl/);
      const text = await master.text();
      assert.match(text, /CODECS="mp4a\.40\.2"\n/, 'an audio-only variant');
      assert.match(text, /CODECS="avc1\.[0-9a-f]+,mp4a\.40\.2".*AUDIO="aud"/, 'a video variant with the shared audio');
      assert.match(text, /CODECS="opus"\nlow\.m3u8\n/, "Low data mode's variant");
      assert.deepEqual(masterAudioProblems(text), [], text);
    });

    // Each test sets up what it needs through once-only steps (the encoder serving playlists,
    // the second speaker's turn), so any test runs alone; in order, each runs once, shared.
    const playlistsServed = once(async () => {
      const url = `${server.url}/hls/${spaceId}/audio.m3u8`;
      // The audio playlist appears once the encoder has cut a segment (404 until then).
      const res = await until(
        async () => {
          const r = await fetch(url);
          if (r.status === 200) return r;
          assert.equal(r.status, 404, 'nothing but "not yet" before the first segment');
          await r.arrayBuffer();
          return undefined;
        },
        60_000,
        'the first live audio playlist',
        100,
      );
      encoderRunningBy ||= Date.now();
      assert.equal(res.headers.get('cache-control'), 'public, max-age=1');
      const playlist = await res.text();
      const segment = playlist.split('\n').find((l) => l.endsWith('.m4s'))!;
      assert.ok(segment, 'the playlist lists segments');
      assert.match(playlist, /#EXT-X-PROGRAM-DATE-TIME:/);
      const seg = await fetch(`${server.url}/hls/${spaceId}/${segment}`);
      assert.equal(seg.status, 200);
      assert.equal(seg.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok((await seg.arrayBuffer()).byteLength > 0);
      const bad = await fetch(`${server.url}/hls/${spaceId}/${segment.split('/')[0]}/..%2F..%2Fspaces.db`);
      assert.equal(bad.status, 404, 'only our own segment names are served');
    });
    it('live playlists slide, and segments are cacheable forever while playlists are cacheable for a second', () => playlistsServed());

    it('an HLS player gets continuous audio that carries the speech', async () => {
      await playlistsServed();
      const pcm = await hlsAudio(`${server.url}/hls/${spaceId}/master.m3u8`, 4);
      assert.ok(pcm.length >= 8000 * 3.5, `about 4 s of audio, got ${(pcm.length / 8000).toFixed(2)} s`);
      const windows = rmsWindows(pcm, 8000, 100);
      const loud = windows.filter((w) => w > 300).length;
      assert.ok(loud >= windows.length * 0.2, `speech in the mix: ${loud}/${windows.length} loud 100 ms windows`);
    });

    const cameraShown = once(async () => {
      await playlistsServed();
      await waitFor(() => listener.activeSpeaker === host.state.you?.userId, 30_000, 'the host is the active speaker');
      // The newest segment shows the pattern once the stage video has switched and a keyframe
      // reached the encoder: read each new one until it does (the limit only bounds a hang).
      let detail = 0;
      await until(
        async () => {
          detail = await videoDetail(`${server.url}/hls/${spaceId}/video.m3u8`);
          return detail >= 10 ? true : undefined;
        },
        90_000,
        'a test pattern in the video variant, not the flat idle card',
        1000,
      );
      assert.ok(detail >= 10, `luma std dev ${detail.toFixed(1)}`);
    });
    it("the video variant shows the speaker's camera once the stage video follows them", () => cameraShown());

    const secondTookOver = once(async () => {
      await second.signalling.setTier('hls');
      await waitFor(() => secondTiers.at(-1)?.tier === 'hls', 30_000, 'second listener on HLS');
      assert.equal(second.peer.state === 'connected', false, 'no PeerConnection while on HLS');
      await second.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, second);
      await waitFor(() => secondTiers.at(-1)?.tier === 'webrtc', 30_000, 'moved to WebRTC');
      assert.equal(secondTiers.at(-1)!.reason, 'stage');
      assert.equal(secondTiers.at(-1)!.hlsUrl, null);
      await waitFor(() => second.peer.state === 'connected', 30_000, 'second speaker connected');
      host.peer.setClipPaused(true);
      secondSpeechAt = Date.now();
      second.peer.startSendingClip(secondSpeech);
      const secondId = second.state.you!.userId;
      await waitFor(() => listener.activeSpeaker === secondId, 30_000, 'the second speaker takes over');
      handoverAt = Date.now();
      await sleep(3000);
    });
    it('live HLS follows RFC 8216 while the stage video switches from the camera to the card, and no segment exceeds its BANDWIDTH', async (t) => {
      await cameraShown();
      // Reloaded as a player would through the switch (the second speaker takes the stage, who has no camera).
      const switched = Promise.all([secondTookOver(), sleep(10_000)]);
      const live = await checkHls(`${server.url}/hls/${spaceId}/master.m3u8`, { liveUntil: switched });
      await switched;
      for (const line of describeMeasures(live.variants)) t.diagnostic(`live ${line}`);
      assert.deepEqual(live.problems, []);
      assert.deepEqual(live.unavailable, [], 'every playlist and segment listed was served');
      assert.equal(live.variants.length, 3, 'audio, video and Low data mode variants measured');
      assert.ok(
        live.variants.every((v) => v.segments >= 4),
        'every variant measured over several segments',
      );
    });

    it('a listener on HLS who is brought on stage moves to WebRTC, is heard, and becomes the active speaker', () => secondTookOver());

    it("when the Space ends, its recording is a VOD of the right length with the speaker's turn on the timeline", async (t) => {
      await playlistsServed();
      await secondTookOver();
      // About 30 s of Space in all, as a short real one: content, not a wait.
      await sleep(Math.max(0, 30_000 - (Date.now() - spaceStartedAt)));
      const endedAt = Date.now();
      await host.signalling.act({ action: 'end' });
      const rec = await finishedRecording(hostApi, spaceId);
      const finishedAt = Date.now();
      assert.ok(rec, 'the Space has a recording');
      assert.equal(rec.state, 'ready');
      // The recording's audio runs on the wall clock from the encoder's start until it is
      // stopped after the end, so it spans at least from the moment the encoder was known to
      // run to the end, and at most the whole test. Both bounds hold however slow the machine
      // is; a recording that lost segments on the way or at the end falls below the first.
      // (How late the encoder started, which a busy machine stretches, is what it does not cover.)
      const SLACK_S = 0.05; // an AAC frame is 21 ms
      const covered = (endedAt - encoderRunningBy) / 1000;
      const spaceSeconds = (endedAt - spaceStartedAt) / 1000;
      t.diagnostic(
        `recording ${rec.durationSec} s; Space ${spaceSeconds.toFixed(2)} s; the encoder ran ${covered.toFixed(2)} s of it at least; ` +
          `so the recording began about ${(spaceSeconds - rec.durationSec).toFixed(2)} s after the Space`,
      );
      assert.ok(rec.durationSec >= covered - SLACK_S, `recording ${rec.durationSec} s, but the encoder ran ${covered.toFixed(2)} s before the end`);
      assert.ok(rec.durationSec <= (finishedAt - spaceStartedAt) / 1000, `recording ${rec.durationSec} s, longer than the test`);
      const hostId = host.state.you!.userId;
      const secondId = second.state.you!.userId;
      assert.deepEqual(
        rec.timeline.map((t) => t.userId),
        [hostId, secondId],
        `the turns: ${JSON.stringify(rec.timeline)}`,
      );
      const [first, next] = rec.timeline as [(typeof rec.timeline)[0], (typeof rec.timeline)[0]];
      assert.ok(first.endSec <= next.startSec + 0.001, 'turns do not overlap');
      // The server saw the second speaker take over after they started sending and before the
      // listener was told; the recording went on to at least the end. On the recording's clock:
      const fromTurnToEnd = rec.durationSec - next.startSec;
      assert.ok(fromTurnToEnd >= (endedAt - handoverAt) / 1000 - SLACK_S, `second turn at ${next.startSec} s of ${rec.durationSec} s: too late`);
      assert.ok(fromTurnToEnd <= (finishedAt - secondSpeechAt) / 1000, `second turn at ${next.startSec} s of ${rec.durationSec} s: too early`);
      // The last turn lasts until the Space ends (its end is the Space's, which the recording outlasts).
      assert.ok(next.endSec <= rec.durationSec, 'the last turn ends within the recording');
      assert.ok(next.endSec - next.startSec >= (endedAt - handoverAt) / 1000 - SLACK_S, `the last turn runs to the end: ${JSON.stringify(next)}`);
      const vod = await fetch(server.url + rec.playlistUrl.replace('master', 'audio'));
      const text = await vod.text();
      assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
      assert.match(text, /#EXT-X-ENDLIST/);
      const probed = await probeDuration(server.url + rec.playlistUrl);
      assert.ok(Math.abs(probed - rec.durationSec) <= 1, `ffprobe says ${probed} s`);
      const replay = await checkHls(server.url + rec.playlistUrl, {});
      for (const line of describeMeasures(replay.variants)) t.diagnostic(`replay ${line}`);
      assert.deepEqual(replay.problems, []);
      assert.deepEqual(replay.unavailable, []);
      assert.equal(replay.variants.length, 2, 'audio and video variants measured');
    });
  });
