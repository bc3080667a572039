// Supervised workers, for real: kill -9 a media worker under a recorded Space with speakers,
// WebRTC listeners and an HLS listener. /healthz says degraded while it is down, the restart
// is counted, every peer that lived on it gets a fresh offer and reconnects by itself, so
// everyone hears the stage again; HLS carries the stage again, and the recording stays one
// recording. Then the same for the codec worker, which runs the encoder. The recovery times
// are printed (npm run bench:recovery measures them over repeated kills).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { finishedRecording } from '../helpers/recordings.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { speechWav } from '../helpers/media-fixtures.js';
import { hlsAudio, rmsWindows } from '../helpers/hls.js';
import { checkHls, describeMeasures } from '../helpers/hls-conformance.js';
import { loadSpeechClip } from '../../src/bots/media-clip.js';
import type { RunningServer } from '../../src/server.js';
import type { ApiClient } from '../../src/sdk/api.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const SPEAKER_TAG = 2;
/** Half a second of a talking speaker's packets: clearly heard again, not a straggler. */
const HEARD = 25;

interface Health {
  status: string;
  workers: Array<{ name: string; up: boolean; restarts: number }>;
}

for (const mediaWorkers of [1, 2]) {
  describe(`worker recovery (${mediaWorkers} media worker${mediaWorkers > 1 ? 's' : ''})`, () => {
    let server: RunningServer;
    let hostApi: ApiClient;
    let spaceId: string;
    let host: TestParticipant;
    let speaker: TestParticipant;
    let listeners: TestParticipant[];
    let hlsListener: TestParticipant;
    let startedAt = 0;
    const everyone = () => [host, speaker, ...listeners];

    before(async () => {
      const speech = await speechWav('We keep talking while a worker dies and comes back.').then(loadSpeechClip);
      server = await startTestServer({ mediaWorkers });
      hostApi = await account(server);
      startedAt = Date.now();
      spaceId = (await hostApi.createSpace('Recovery', undefined, { record: true })).id;
      host = await joinSpace(server, spaceId, { api: hostApi, tag: 1 });
      speaker = await joinSpace(server, spaceId, { tag: SPEAKER_TAG });
      await speaker.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, speaker);
      listeners = [];
      for (let i = 0; i < 3; i++) listeners.push(await joinSpace(server, spaceId, { guest: true, canPublish: false }));
      hlsListener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
      await hlsListener.signalling.setTier('hls');
      await waitFor(() => everyone().every((p) => p.peer.state === 'connected'), 30_000, 'everyone connected');
      await waitFor(() => speaker.state.you?.role === 'speaker', 5000, 'the speaker on stage');
      host.peer.startSendingClip(speech);
      speaker.peer.setTalking(true);
      speaker.peer.startSending();
      await waitFor(() => listeners.every((l) => l.peer.packetsFromTag(SPEAKER_TAG) > HEARD), 10_000, 'the speaker heard');
    });

    after(async () => {
      for (const p of [host, speaker, hlsListener, ...(listeners ?? [])]) p?.close();
      await server?.close();
    });

    /** The live audio playlist's segments, oldest first. */
    const audioSegments = async () => (await (await fetch(`${server.url}/hls/${spaceId}/audio.m3u8`)).text()).split('\n').filter((l) => l.endsWith('.m4s'));
    /** Waits until `n` segments published after `seen` are in the playlist; the limit bounds a hang. */
    const newSegments = (seen: string[], n: number, what: string) =>
      until(async () => ((await audioSegments()).filter((l) => !seen.includes(l)).length >= n ? true : undefined), 60_000, what, 100);

    const health = async () => {
      const res = await fetch(`${server.url}/healthz`);
      return { code: res.status, body: (await res.json()) as Health };
    };

    it('kill -9 a media worker: degraded while it is down, then everyone hears the stage again', async (t) => {
      const heardSpeaker = () => [host, ...listeners].map((p) => p.peer.packetsFromTag(SPEAKER_TAG));
      const heardByspeaker = () => speaker.peer.totalPackets();
      const pid = server.media.pidOf(0)!;
      const killedAt = performance.now();
      process.kill(pid, 'SIGKILL');
      const base = heardSpeaker();
      const speakerBase = heardByspeaker();
      // The worker is down for at least the restart delay and a process start: /healthz says so.
      let down: { code: number; body: Health } | null = null;
      for (const end = Date.now() + 5000; Date.now() < end && !down;) {
        const h = await health();
        if (h.body.status === 'degraded') down = h;
      }
      assert.ok(down, '/healthz reported degraded while the worker was down');
      assert.equal(down.body.workers.find((w) => w.name === 'media-0')?.up, false);
      assert.equal(down.code, mediaWorkers === 1 ? 503 : 200, 'unavailable only when no media worker runs');
      await waitFor(
        () => heardSpeaker().every((n, i) => n > base[i]! + HEARD) && heardByspeaker() > speakerBase + HEARD,
        30_000,
        'everyone hearing the stage again',
      );
      const recoveredMs = performance.now() - killedAt;
      t.diagnostic(`everyone heard the stage again ${recoveredMs.toFixed(0)} ms after kill -9 of media-0`);
      await waitFor(() => server.media.isUp(0), 10_000, 'media-0 back');
      const back = await health();
      assert.equal(back.code, 200);
      assert.equal(back.body.status, 'ok');
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^spaces_worker_restarts_total\{worker="media-0"\} 1$/m);
      assert.equal(host.state.you?.role, 'host', 'roles are untouched');
      assert.equal(speaker.state.you?.role, 'speaker');
    });

    it('HLS carries the stage again after the media worker restart', async () => {
      // The player starts 3 segments from the end: wait until those 3 were all cut after the
      // previous test heard the stage again.
      await newSegments(await audioSegments(), 3, 'three new segments');
      const pcm = await hlsAudio(`${server.url}/hls/${spaceId}/master.m3u8`, 4);
      const windows = rmsWindows(pcm, 8000, 100);
      const loud = windows.filter((w) => w > 300).length;
      assert.ok(loud >= windows.length * 0.1, `speech in the live mix again: ${loud}/${windows.length} loud windows`);
    });

    it('kill -9 the codec worker: its encoder starts again, and the Space goes on, its live HLS served throughout and renumbering nothing (RFC 8216)', async (t) => {
      // A player reloading the live playlists throughout: the new run's window carries the dead
      // run's on, with a discontinuity, and nothing listed before is renumbered or refused.
      const recovered = recoverCodec(t);
      const live = await checkHls(`${server.url}/hls/${spaceId}/master.m3u8`, { liveUntil: recovered });
      await recovered;
      for (const line of describeMeasures(live.variants)) t.diagnostic(`live ${line}`);
      assert.deepEqual(live.problems, []);
      // RFC 8216 §6.2.2: what was listed stays available, and the playlists stay served, while
      // the dead run's window is carried on by the new one, a discontinuity before its first segment.
      t.diagnostic(`refused during the restart: ${live.unavailable.length}`);
      assert.deepEqual(live.unavailable, [], 'no listed playlist or segment refused across the restart');
      const media = ['audio.m3u8', 'video.m3u8', 'low.m3u8'].map((f) => `${server.url}/hls/${spaceId}/${f}`);
      assert.deepEqual(live.discontinuous.sort(), media.sort(), 'every live playlist showed the restart as a discontinuity');
    });

    const recoverCodec = async (t: { diagnostic(message: string): void }) => {
      const before = server.codec.status().restarts;
      const killedAt = performance.now();
      process.kill(server.codec.pid!, 'SIGKILL');
      await waitFor(() => server.codec.status().restarts === before + 1 && server.codec.status().up, 15_000, 'the codec worker back');
      await waitFor(() => server.spaces.egressOf(spaceId)?.running === true, 15_000, 'the encoder running again');
      await newSegments(await audioSegments(), 1, 'new live segments after the restart');
      t.diagnostic(`HLS segments flowing again ${(performance.now() - killedAt).toFixed(0)} ms after kill -9 of the codec worker`);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /^spaces_worker_restarts_total\{worker="codec"\} 1$/m);
      assert.match(metrics, /^spaces_codec_link_dropped_total \d+$/m, 'what the link dropped meanwhile is counted');
      const before2 = listeners.map((l) => l.peer.packetsFromTag(SPEAKER_TAG));
      await waitFor(() => listeners.every((l, i) => l.peer.packetsFromTag(SPEAKER_TAG) > before2[i]! + HEARD), 10_000, 'WebRTC unaffected');
      // Reloads reach well into the new run.
      await newSegments(await audioSegments(), 3, 'three segments of the new run');
    };

    it('the recording is one recording that spans the whole Space', async (t) => {
      // Media from the restarted encoder, recorded: two segments cut after this point.
      await newSegments(await audioSegments(), 2, 'two more segments');
      const endedAt = Date.now();
      await host.signalling.act({ action: 'end' });
      const rec = await finishedRecording(hostApi, spaceId);
      assert.ok(rec, 'the Space has a recording');
      assert.equal(rec.state, 'ready');
      const spaceSeconds = (endedAt - startedAt) / 1000;
      t.diagnostic(`recording ${rec.durationSec.toFixed(1)} s for a Space of ${spaceSeconds.toFixed(1)} s (the gap is the codec worker's restart)`);
      assert.ok(rec.durationSec <= spaceSeconds + 1, 'no longer than the Space');
      assert.ok(rec.durationSec >= spaceSeconds - 8, 'the media worker kill cost nothing, the codec worker kill a few seconds at most');
      // Two encoder runs in one replay: a discontinuity at the second's init segment.
      const replay = await checkHls(server.url + rec.playlistUrl, {});
      for (const line of describeMeasures(replay.variants)) t.diagnostic(`replay ${line}`);
      assert.deepEqual(replay.problems, []);
      assert.deepEqual(replay.unavailable, []);
      const audio = await (await fetch(server.url + rec.playlistUrl.replace('master', 'audio'))).text();
      assert.ok(audio.includes('#EXT-X-DISCONTINUITY\n'), 'the replay marks the second run');
    });
  });
}
