// The deployment nginx (docs/deploy/nginx.conf, rendered by test/helpers/nginx.ts) in front
// of a real server with a live Space, and 250 simulated HLS players going through it: the
// origin must see about one request per segment, and a playlist request rate that does not
// grow with the audience. Counts only, no clocks: the numbers are printed for quoting.
// 250, not more: the players are one Node process that reads every byte of the video variant,
// and beside a loaded core (stress-ng --cpu 1) 500 of them lagged 0.4–0.5 s per event-loop turn,
// fell behind the live window and missed segments that nginx had served (the generator's
// limit, not the cache's); `npm run bench:hls` measures larger audiences.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, sleep, waitFor, type TestParticipant } from '../helpers/clients.js';
import { speechWav, testPatternIvf } from '../helpers/media-fixtures.js';
import { nginxAvailable, readAccessLog, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { loadSpeechClip, loadVp8Clip } from '../../src/bots/media-clip.js';
import { loadConfig } from '../../src/config.js';
import { formatHlsReport, type HlsAudiencePlan, type HlsAudienceReport } from '../../src/load/hls-clients.js';
import type { RunningServer } from '../../src/server.js';

const CLIENTS = 250;
const SECONDS = 12;

const execFileP = promisify(execFile);

/**
 * Runs the audience in its own process, as real players are other machines: in this one
 * they would compete with the server's event loop (media plane, egress) for one thread.
 */
async function runAudienceElsewhere(plan: HlsAudiencePlan): Promise<HlsAudienceReport> {
  const module = new URL('../../src/load/hls-clients.ts', import.meta.url).href;
  const code = `const { runHlsAudience } = await import(${JSON.stringify(module)});
process.stdout.write(JSON.stringify(await runHlsAudience(JSON.parse(process.env.HLS_PLAN))));`;
  const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    // Not a test process itself: without node:test's marker, nothing touches its stdout.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, HLS_PLAN: JSON.stringify(plan) },
    maxBuffer: 32 * 1024 * 1024,
    timeout: (plan.seconds + 60) * 1000,
  });
  return JSON.parse(stdout) as HlsAudienceReport;
}

/** The origin's own count of HLS requests that reached it, by kind (playlist, segment, miss). */
async function originRequests(server: RunningServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const out: Record<string, number> = { playlist: 0, segment: 0, miss: 0 };
  for (const m of text.matchAll(/^spaces_hls_requests_total\{kind="(\w+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('HLS through the deployment nginx', { skip: !nginxAvailable() && 'nginx is not installed (apt-get install nginx-light)' }, () => {
  let server: RunningServer;
  let nginx: RunningNginx;
  let host: TestParticipant;
  let spaceId: string;

  before(
    async () => {
      const [speech, camera] = await Promise.all([
        speechWav('Welcome to the Space. Five hundred people are watching through the cache.').then(loadSpeechClip),
        testPatternIvf({ seconds: 2 }).then(loadVp8Clip),
      ]);
      // Every live Space publishes HLS: no listener has to ask for it first.
      server = await startTestServer({ hls: { ...loadConfig({}, {}).hls, mode: 'always' } });
      nginx = await startNginx(`127.0.0.1:${server.port}`);
      // The host signs up, creates the Space and signals through nginx too (/api/ and the /ws
      // upgrade pass through it); its media goes to the server's UDP port directly.
      const hostApi = await account(nginx, 'cache_host');
      spaceId = (await hostApi.createSpace('Behind nginx')).id;
      host = await joinSpace(nginx, spaceId, { api: hostApi });
      await waitFor(() => host.peer.state === 'connected', 15_000, 'host connected');
      await host.signalling.act({ action: 'setCamera', on: true });
      host.peer.startSendingClip(speech);
      host.peer.startCameraClip(camera);
      // Players join a running stream: wait (at the origin) until it has a few segments.
      const playlist = `${server.url}/hls/${spaceId}/video.m3u8`;
      let segments = 0;
      for (let i = 0; i < 150 && segments < 3; i++) {
        const res = await fetch(playlist);
        segments = res.ok ? (await res.text()).split('\n').filter((l) => l.endsWith('.m4s')).length : 0;
        if (segments < 3) await sleep(200);
      }
      assert.ok(segments >= 3, 'the live stream is up before the audience arrives');
    },
    { timeout: 120_000 },
  );

  after(async () => {
    host?.close();
    await nginx?.stop();
    await server?.close();
  });

  it('passes the API and the signalling WebSocket through uncached', async () => {
    assert.equal(host.state.you?.role, 'host', 'the host joined over /ws through nginx');
    const res = await fetch(`${nginx.url}/api/spaces/${spaceId}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-cache-status'), null, 'no cache on /api/');
    await res.text();
    const live = await fetch(`${nginx.url}/hls/${spaceId}/video.m3u8`);
    assert.match(live.headers.get('x-cache-status') ?? '', /^(MISS|HIT|EXPIRED|UPDATING|STALE)$/);
    assert.equal(live.headers.get('cache-control'), 'public, max-age=1', "the origin's Cache-Control reaches the players");
    await live.text();
  });

  it('does not let a crafted path put a 404 under a live playlist', async () => {
    // nginx normalises this to /hls/<space>/audio.m3u8, its cache key, while the origin,
    // asked for the path as written, answers 404 (cacheable for a second). Nothing has
    // fetched the audio playlist through nginx yet, so without the guard that 404 would be
    // what every player gets.
    const crafted = await fetch(`${nginx.url}/hls/${spaceId}/r0/..%2Faudio.m3u8`);
    assert.equal(crafted.status, 404);
    await crafted.text();
    const real = await fetch(`${nginx.url}/hls/${spaceId}/audio.m3u8`);
    assert.equal(real.status, 200, `the playlist still plays (${real.headers.get('x-cache-status')})`);
    await real.text();
  });

  it(`${CLIENTS} players cost the origin about one request per segment`, { timeout: 180_000 }, async () => {
    const before = await originRequests(server);
    const report = await runAudienceElsewhere({
      masterUrl: `${nginx.url}/hls/${spaceId}/master.m3u8`,
      clients: CLIENTS,
      // The video variant follows the audio rendition too: both playlists, all segments.
      variant: 'video',
      seconds: SECONDS,
      rampSeconds: 2,
    });
    const afterRun = await originRequests(server);
    const origin = {
      playlist: afterRun.playlist! - before.playlist!,
      segment: afterRun.segment! - before.segment!,
      miss: afterRun.miss! - before.miss!,
    };
    // The access log says what nginx did with each request (flushed when nginx stops).
    await nginx.stop({ keepDir: true });
    const cacheStatus: Record<string, number> = {};
    for (const e of readAccessLog(nginx.accessLog)) if (e.uri.startsWith('/hls/')) cacheStatus[e.cache] = (cacheStatus[e.cache] ?? 0) + 1;

    const distinct = report.distinctSegments + report.distinctInits;
    const clientPlaylists = report.requests.master + report.requests.playlist;
    const clientMedia = report.requests.segment + report.requests.init;
    console.log(
      JSON.stringify(
        {
          players: formatHlsReport(report),
          'player requests (playlists · media)': `${clientPlaylists} · ${clientMedia}`,
          'origin requests (playlists · media · 404)': `${origin.playlist} · ${origin.segment} · ${origin.miss}`,
          'origin media requests per distinct segment': Math.round((origin.segment / distinct) * 1000) / 1000,
          'player media requests per origin media request': Math.round(clientMedia / Math.max(1, origin.segment)),
          'player playlist requests per origin playlist request': Math.round(clientPlaylists / Math.max(1, origin.playlist)),
          'nginx cache status (/hls/)': cacheStatus,
          'error samples': report.errorSamples,
        },
        null,
        2,
      ),
    );

    assert.equal(report.noSegments, 0, 'every player received segments');
    assert.ok(report.distinctSegments >= 4, `the players followed a moving stream (${report.distinctSegments} distinct segments)`);
    assert.ok(report.keptUp >= CLIENTS / 2, `most players got every new segment (${report.keptUp} of ${CLIENTS})`);
    assert.ok(origin.segment >= distinct, 'every distinct segment came from the origin (nothing was cached before)');
    assert.ok(origin.segment <= 1.2 * distinct, `origin media requests ${origin.segment} for ${distinct} distinct segments and init segments`);
    assert.ok(origin.playlist * 50 <= clientPlaylists, `origin playlist requests ${origin.playlist} against the players' ${clientPlaylists}`);
  });
});
