// Benchmark of the HLS tier: what a live HLS Space costs, and how late its listeners hear.
//
//   npm run bench:hls [-- --seconds 20 --trials 6 --workers 1]
//
// 1. CPU per live HLS Space. One Space, one speaker sending real Opus and a real 640x360 VP8
//    camera; first `--seconds` without HLS (the baseline, same run), then the same with one
//    listener in Low data mode, which starts the encoder. Server process (all its processes)
//    and ffmpeg alone, in % of one core.
// 2. Speech to ear. The speaker is silent, then speaks; an HLS client polls the live audio
//    playlist every 50 ms, fetches each new segment, decodes it and finds the speech onset.
//    "Available" is when the segment holding the onset could first be fetched from the origin;
//    a player adds its hold-back behind the live edge (hls.js as our web app configures it:
//    liveSyncDuration 1.5 s), so "to ear" = available + 1.5 s.
import { readFileSync, readdirSync } from 'node:fs';
import { ApiClient } from '../src/sdk/api.js';
import { joinAsNdcParticipant } from '../src/bots/ndc-participant.js';
import { loadSpeechClip, loadVp8Clip } from '../src/bots/media-clip.js';
import { parseCommandLine } from '../src/cli/args.js';
import { startServerProcess } from './lib/server-process.js';
import { cpuMeter } from './lib/proc.js';
import { speechWav, testPatternIvf } from '../test/helpers/media-fixtures.js';

const { flags } = parseCommandLine(process.argv.slice(2), { seconds: 'string', trials: 'string', workers: 'string' });
const SECONDS = Number(flags.seconds ?? 20);
const TRIALS = Number(flags.trials ?? 6);
const PLAYER_HOLD_BACK_S = 1.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ffmpegPid(): number | null {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() === 'ffmpeg') return Number(e);
    } catch {
      // gone
    }
  }
  return null;
}

async function decodeRms(init: Buffer, segment: Buffer): Promise<number[]> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-ac', '1', '-ar', '8000', '-f', 's16le', 'pipe:1']);
    const chunks: Buffer[] = [];
    ff.stdout.on('data', (c: Buffer) => chunks.push(c));
    ff.on('error', reject);
    ff.on('close', () => {
      const pcm = Buffer.concat(chunks);
      const out: number[] = [];
      for (let at = 0; at + 160 <= pcm.length / 2; at += 80) {
        let s = 0;
        for (let i = at; i < at + 80; i++) s += pcm.readInt16LE(i * 2) ** 2;
        out.push(Math.sqrt(s / 80));
      }
      resolve(out); // 10 ms windows
    });
    ff.stdin.on('error', () => undefined);
    ff.stdin.end(Buffer.concat([init, segment]));
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

const server = await startServerProcess(['--media-workers', String(flags.workers ?? 1)]);
try {
  const [speech, camera] = await Promise.all([
    speechWav('One, two, three. The quick brown fox jumps over the lazy dog.').then(loadSpeechClip),
    testPatternIvf({ seconds: 4 }).then(loadVp8Clip),
  ]);
  const firstVoice = speech.frames.findIndex((f) => f.voice);
  const hostApi = new ApiClient(server.url);
  await hostApi.ensureAccount('bench_hls_host', 'password123');
  const spaceId = (await hostApi.createSpace('Bench: HLS')).id;
  const host = await joinAsNdcParticipant(server.url, spaceId, { api: hostApi, recordSpeaking: false });
  while (host.peer.state !== 'connected') await sleep(50);
  await host.signalling.act({ action: 'setCamera', on: true });
  host.peer.startSendingClip(speech);
  host.peer.startCameraClip(camera);
  await sleep(2000);

  // --- 1. CPU: the same Space without, then with HLS.
  let meter = cpuMeter(server.pid);
  await sleep(SECONDS * 1000);
  const baseline = meter.stop();
  const listener = await joinAsNdcParticipant(server.url, spaceId, { canPublish: false, recordSpeaking: false });
  await listener.signalling.setTier('hls');
  await sleep(3000); // encoder start-up is not steady state
  const ff = ffmpegPid();
  meter = cpuMeter(server.pid);
  const ffMeter = ff ? cpuMeter(ff) : null;
  await sleep(SECONDS * 1000);
  const withHls = meter.stop();
  const ffmpegCpu = ffMeter?.stop() ?? NaN;

  // --- 2. Speech to ear.
  const playlistUrl = `${server.url}/hls/${spaceId}/audio.m3u8`;
  const seen = new Set<string>();
  let init: Buffer | null = null;
  const available: number[] = [];
  const mediaLag: number[] = [];
  const poll = async () => {
    const text = await (await fetch(playlistUrl)).text();
    const lines = text.split('\n');
    const map = /URI="([^"]+)"/.exec(lines.find((l) => l.startsWith('#EXT-X-MAP')) ?? '')?.[1];
    if (map && !init) init = Buffer.from(await (await fetch(`${server.url}/hls/${spaceId}/${map}`)).arrayBuffer());
    const fresh: Array<{ uri: string; pdt: number }> = [];
    let pdt = 0;
    for (const l of lines) {
      if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(l.slice(25));
      else if (l.endsWith('.m4s') && !seen.has(l)) fresh.push({ uri: l, pdt });
    }
    return fresh;
  };
  for (const f of await poll()) seen.add(f.uri); // what is there already is the past
  for (let t = 0; t < TRIALS; t++) {
    host.peer.setClipPaused(true);
    await sleep(3500);
    for (const f of await poll()) seen.add(f.uri);
    host.peer.startSendingClip(speech, { loop: false });
    const spokeAt = Date.now() + firstVoice * 20;
    let found = false;
    const deadline = Date.now() + 15_000;
    while (!found && Date.now() < deadline) {
      for (const f of await poll()) {
        seen.add(f.uri);
        const seg = Buffer.from(await (await fetch(`${server.url}/hls/${spaceId}/${f.uri}`)).arrayBuffer());
        const fetchedAt = Date.now();
        const rms = await decodeRms(init!, seg);
        const onset = rms.findIndex((r) => r > 500);
        if (onset >= 0 && f.pdt + onset * 10 >= spokeAt - 500) {
          available.push(fetchedAt - spokeAt);
          mediaLag.push(f.pdt + onset * 10 - spokeAt);
          found = true;
          break;
        }
      }
      if (!found) await sleep(50);
    }
    if (!found) throw new Error(`trial ${t}: speech never appeared in the HLS audio`);
  }
  host.close();
  listener.close();

  const rows = [
    ['server CPU, Space without HLS (baseline)', `${baseline.toFixed(1)} % of a core`],
    ['server CPU, same Space with HLS (incl. ffmpeg)', `${withHls.toFixed(1)} % of a core`],
    ['  of which ffmpeg', `${ffmpegCpu.toFixed(1)} % of a core`],
    ['CPU per live HLS Space (with - baseline)', `${(withHls - baseline).toFixed(1)} % of a core`],
    ['speech -> segment at the origin, median / p95', `${pct(available, 0.5)} / ${pct(available, 0.95)} ms`],
    [
      'speech -> ear (+ 1.5 s hls.js hold-back), median / p95',
      `${pct(available, 0.5) + PLAYER_HOLD_BACK_S * 1000} / ${pct(available, 0.95) + PLAYER_HOLD_BACK_S * 1000} ms`,
    ],
    ['onset timestamp error (PDT vs sent), median', `${pct(mediaLag, 0.5)} ms`],
  ];
  console.log('\nHLS tier (1 speaker with camera, 960x540 H.264 + AAC, 1 s segments)\n');
  for (const [k, v] of rows) console.log(`${k!.padEnd(56)} ${v}`);
  console.log(
    JSON.stringify({
      bench: 'hls',
      seconds: SECONDS,
      trials: TRIALS,
      cpuBaselinePct: +baseline.toFixed(1),
      cpuWithHlsPct: +withHls.toFixed(1),
      ffmpegPct: +ffmpegCpu.toFixed(1),
      cpuPerHlsSpacePct: +(withHls - baseline).toFixed(1),
      availableMs: available,
      speechToEarMedianMs: pct(available, 0.5) + PLAYER_HOLD_BACK_S * 1000,
      speechToEarP95Ms: pct(available, 0.95) + PLAYER_HOLD_BACK_S * 1000,
    }),
  );
} finally {
  await server.stop();
  process.exit(0);
}
