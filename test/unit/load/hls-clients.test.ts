// The simulated HLS audience: playlist parsing, which segments a player fetches next, the
// bounds on clients, time and target, and whole runs against a tiny local server whose
// live playlist moves on by one segment a second.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { hlsAudiencePlanSchema, MAX_HLS_CLIENTS, runHlsAudience } from '../../../src/load/hls-clients.js';
import { newSegments, playlistsFor } from '../../../src/load/hls-playlists.js';
import { parseAttributes, parseMasterPlaylist, parseMediaPlaylist, type MediaPlaylist } from '../../../src/protocol/hls-playlists.js';

// What ffmpeg writes for an audio rendition group shared by an audio-only and a video variant.
const MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio_0",DEFAULT=YES,URI="audio.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=70400,CODECS="mp4a.40.2",AUDIO="aud"
audio.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=510400,RESOLUTION=320x180,CODECS="avc1.42c014,mp4a.40.2",AUDIO="aud"
video.m3u8
`;

const base = 'http://127.0.0.1:1/hls/s1/master.m3u8';

function mediaPlaylist(name: string, first: number, count: number, opts: { endList?: boolean; init?: boolean } = {}): string {
  const out = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${first}`];
  if (opts.init !== false) out.push(`#EXT-X-MAP:URI="init-${name}.mp4"`);
  for (let s = first; s < first + count; s++) out.push('#EXTINF:1.000,', `${name}-${String(s).padStart(6, '0')}.m4s`);
  if (opts.endList) out.push('#EXT-X-ENDLIST');
  return out.join('\n') + '\n';
}

describe('playlist parsing', () => {
  it('reads attribute lists, quoted commas included', () => {
    assert.deepEqual(parseAttributes('BANDWIDTH=1000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360'), {
      BANDWIDTH: '1000',
      CODECS: 'avc1.4d401f,mp4a.40.2',
      RESOLUTION: '640x360',
    });
  });

  it('reads variants and audio renditions, resolving URIs against the master', () => {
    const m = parseMasterPlaylist(MASTER, base);
    assert.equal(m.variants.length, 2);
    assert.deepEqual(m.variants[0], {
      uri: 'http://127.0.0.1:1/hls/s1/audio.m3u8',
      bandwidth: 70400,
      codecs: 'mp4a.40.2',
      resolution: null,
      audioGroup: 'aud',
    });
    assert.equal(m.variants[1]!.resolution, '320x180');
    assert.deepEqual(m.audio, [{ groupId: 'aud', uri: 'http://127.0.0.1:1/hls/s1/audio.m3u8', isDefault: true }]);
    assert.throws(() => parseMasterPlaylist('<html>', base), /not an HLS playlist/);
  });

  it('picks the audio-only variant, or the video variant plus its separate audio', () => {
    const m = parseMasterPlaylist(MASTER, base);
    assert.deepEqual(playlistsFor(m, 'audio'), ['http://127.0.0.1:1/hls/s1/audio.m3u8']);
    assert.deepEqual(playlistsFor(m, 'video'), ['http://127.0.0.1:1/hls/s1/video.m3u8', 'http://127.0.0.1:1/hls/s1/audio.m3u8']);
    // No audio-only variant: an audio player follows the audio rendition.
    const videoOnly = parseMasterPlaylist(
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",DEFAULT=YES,URI="a/x.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=9,RESOLUTION=2x2,AUDIO="a"\nv.m3u8\n',
      base,
    );
    assert.deepEqual(playlistsFor(videoOnly, 'audio'), ['http://127.0.0.1:1/hls/s1/a/x.m3u8']);
    // Muxed variants without rendition groups: video chooses by codec when RESOLUTION is absent.
    const muxed = parseMasterPlaylist(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5,CODECS="mp4a.40.2"\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=9,CODECS="avc1.42e01e,mp4a.40.2"\nv.m3u8\n',
      base,
    );
    assert.deepEqual(playlistsFor(muxed, 'video'), ['http://127.0.0.1:1/hls/s1/v.m3u8']);
    // A media playlist where a master was expected plays as its own only variant.
    assert.deepEqual(playlistsFor(parseMasterPlaylist(mediaPlaylist('a', 0, 2), base), 'video'), [base]);
  });

  it('numbers segments from the media sequence and keeps the init segment in effect', () => {
    const pl = parseMediaPlaylist(mediaPlaylist('audio', 120, 3), 'http://127.0.0.1:1/hls/s1/audio.m3u8');
    assert.equal(pl.targetDuration, 1);
    assert.equal(pl.mediaSequence, 120);
    assert.equal(pl.ended, false);
    assert.deepEqual(
      pl.segments.map((s) => [s.seq, s.uri.split('/').pop(), s.map?.split('/').pop(), s.duration]),
      [
        [120, 'audio-000120.m4s', 'init-audio.mp4', 1],
        [121, 'audio-000121.m4s', 'init-audio.mp4', 1],
        [122, 'audio-000122.m4s', 'init-audio.mp4', 1],
      ],
    );
    const ts = parseMediaPlaylist('#EXTM3U\n#EXTINF:2.5,\nhttp://127.0.0.1:2/x.ts\n#EXT-X-ENDLIST\n', base);
    assert.equal(ts.mediaSequence, 0, 'sequence defaults to 0');
    assert.equal(ts.targetDuration, 3, 'a missing target duration is the longest segment, rounded up');
    assert.equal(ts.segments[0]!.map, null);
    assert.equal(ts.segments[0]!.uri, 'http://127.0.0.1:2/x.ts');
    assert.equal(ts.ended, true);
  });
});

describe('new-segment detection', () => {
  const pl = (first: number, count: number): MediaPlaylist => parseMediaPlaylist(mediaPlaylist('a', first, count), base);
  const seqs = (r: { fresh: { seq: number }[] }) => r.fresh.map((s) => s.seq);

  it('starts a few segments behind the live edge', () => {
    assert.deepEqual(seqs(newSegments(pl(10, 6), null, 3)), [13, 14, 15]);
    assert.deepEqual(seqs(newSegments(pl(10, 2), null, 3)), [10, 11]);
    assert.deepEqual(seqs(newSegments(pl(0, 0), null, 3)), []);
  });

  it('fetches only what is newer than the last segment fetched', () => {
    assert.deepEqual(newSegments(pl(11, 6), 15, 3), { fresh: pl(16, 1).segments, missed: 0, reset: false });
    assert.deepEqual(seqs(newSegments(pl(11, 6), 16, 3)), [], 'unchanged playlist');
  });

  it('counts segments that left the window before the player saw them', () => {
    const r = newSegments(pl(20, 6), 15, 3);
    assert.deepEqual(seqs(r), [20, 21, 22, 23, 24, 25]);
    assert.equal(r.missed, 4, '16 to 19 are gone');
  });

  it('treats a slightly older copy as stale and a far older one as a restarted stream', () => {
    assert.deepEqual(newSegments(pl(9, 6), 15, 3), { fresh: [], missed: 0, reset: false });
    const restarted = newSegments(pl(0, 6), 500, 3);
    assert.equal(restarted.reset, true);
    assert.deepEqual(seqs(restarted), [3, 4, 5]);
  });
});

describe('audience bounds', () => {
  const plan = { masterUrl: 'http://127.0.0.1:8081/hls/s/master.m3u8', clients: 10, seconds: 5 };

  it('caps clients and time, and needs the ramp to end inside the run', () => {
    assert.ok(hlsAudiencePlanSchema.safeParse(plan).success);
    assert.ok(hlsAudiencePlanSchema.safeParse({ ...plan, clients: MAX_HLS_CLIENTS }).success);
    assert.ok(!hlsAudiencePlanSchema.safeParse({ ...plan, clients: MAX_HLS_CLIENTS + 1 }).success);
    assert.ok(!hlsAudiencePlanSchema.safeParse({ ...plan, clients: 0 }).success);
    assert.ok(!hlsAudiencePlanSchema.safeParse({ ...plan, seconds: 601 }).success);
    assert.ok(!hlsAudiencePlanSchema.safeParse({ ...plan, rampSeconds: 5 }).success);
    assert.equal(hlsAudiencePlanSchema.parse(plan).variant, 'audio');
  });

  it('refuses to target another machine', async () => {
    for (const masterUrl of ['http://10.1.2.3/hls/s/master.m3u8', 'https://cdn.example.com/hls/s/master.m3u8', 'http://0.0.0.0:80/m.m3u8']) {
      await assert.rejects(runHlsAudience({ ...plan, masterUrl }), /loopback/);
    }
  });
});

/**
 * A live stream in miniature: the window moves on by one segment every second, or, with
 * `reloadsPerSegment`, each time a playlist has been loaded that many more times (a stream
 * paced by its audience's reloads rather than the clock, which a busy machine cannot outrun),
 * and ends by itself once its edge reaches `endAtEdge`.
 */
class FakeOrigin {
  server: Server;
  readonly t0 = Date.now();
  requests = new Map<string, number>();
  bytes = 0;
  missing: (name: string) => boolean = () => false;
  hang = false;
  endList = false;
  delayMs = 0;
  reloadsPerSegment: number | null = null;
  endAtEdge: number | null = null;
  private readonly loads = new Map<string, number>();
  open = 0;
  maxOpen = 0;

  constructor() {
    this.server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
      if (this.hang) return; // never answers
      // Requests the server holds unanswered; counted down before the answer is written, so
      // a client's next request can never overlap the count of its previous one.
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      if (this.delayMs) setTimeout(() => this.respond(path, res), this.delayMs);
      else this.respond(path, res);
    });
  }
  private respond(path: string, res: ServerResponse) {
    this.open--;
    const name = path.replace('/hls/s1/', '');
    const loads = this.loads.get(name) ?? 0;
    if (name.endsWith('.m3u8')) this.loads.set(name, loads + 1);
    const edge = (this.reloadsPerSegment === null ? Math.floor((Date.now() - this.t0) / 1000) : Math.floor(loads / this.reloadsPerSegment)) + 4;
    if (this.endAtEdge !== null && edge >= this.endAtEdge) this.endList = true;
    let body: string | null = null;
    if (this.missing(name)) body = null;
    else if (name === 'master.m3u8') body = MASTER;
    else if (name === 'audio.m3u8' || name === 'video.m3u8') {
      body = mediaPlaylist(name.replace('.m3u8', ''), Math.max(0, edge - 4), Math.min(4, edge + 1), { endList: this.endList });
    } else if (/^(init-\w+\.mp4|\w+-\d{6}\.m4s)$/.test(name)) body = 'x'.repeat(name.startsWith('init') ? 100 : 1000);
    if (body === null) {
      res.writeHead(404).end();
      return;
    }
    this.bytes += body.length;
    res.writeHead(200, { 'content-length': body.length }).end(body);
  }
  listen = () => new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  get masterUrl() {
    const addr = this.server.address();
    return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hls/s1/master.m3u8`;
  }
  total(match: RegExp) {
    let n = 0;
    for (const [p, c] of this.requests) if (match.test(p)) n += c;
    return n;
  }
  async close() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('audience runs against a moving playlist', () => {
  let origin: FakeOrigin;
  before(async () => {
    origin = new FakeOrigin();
    await origin.listen();
  });
  after(async () => origin.close());

  it('follows the live edge: init once per playlist, every new segment, counted like the server counts', async () => {
    // A stream of its own, paced by reloads: a segment more for every 20 loads of a playlist
    // (one round of the 20 clients), ended after three, so it ends long before the deadline
    // (which only bounds a hang): no request is cut halfway, and the clients' counts can be
    // compared with the server's exactly, however slowly the machine runs them.
    const origin = new FakeOrigin();
    origin.reloadsPerSegment = 20;
    origin.endAtEdge = 7;
    await origin.listen();
    let r: Awaited<ReturnType<typeof runHlsAudience>>;
    try {
      r = await runHlsAudience({ masterUrl: origin.masterUrl, clients: 20, variant: 'video', seconds: 60, rampSeconds: 0.5 });
    } finally {
      await origin.close();
    }
    assert.equal(r.errors, 0, r.errorSamples.join('; '));
    assert.equal(r.requests.total, origin.total(/./), 'every request the server saw was counted');
    assert.equal(r.bytes, origin.bytes);
    assert.equal(r.requests.master, 20);
    assert.equal(r.requests.init, 40, 'each client fetched both init segments once');
    assert.equal(r.distinctInits, 2);
    assert.equal(r.requests.segment, origin.total(/\.m4s$/));
    const served = [...origin.requests.keys()].filter((p) => p.endsWith('.m4s'));
    assert.equal(r.distinctSegments, served.length, 'distinct segment URIs match what was served');
    assert.equal(r.keptUp, 20, 'every client got each new segment');
    assert.equal(r.noSegments, 0);
    assert.equal(r.perClient.length, 20);
    assert.ok(
      r.perClient.every((c) => c.segments >= 6),
      'three per playlist at the start alone',
    );
    assert.ok(r.requests.playlist >= 2 * 20 * 2, 'each client reloaded both playlists');
  });

  it('counts failed segments as missed, and stops a client at the end of a finished stream', async () => {
    origin.endList = true;
    origin.missing = (name) => name.startsWith('audio-');
    try {
      const r = await runHlsAudience({ masterUrl: origin.masterUrl, clients: 3, variant: 'audio', seconds: 30, rampSeconds: 0 });
      assert.equal(r.keptUp, 0);
      assert.ok(r.perClient.every((c) => c.missed > 0 && c.errors === c.missed));
      assert.equal(r.requests.playlist, 3, 'one load each: the playlist has ended');
      assert.ok(r.windowSeconds < 30, 'finished clients do not wait for the deadline');
    } finally {
      origin.endList = false;
      origin.missing = () => false;
    }
  });

  it('retries a master playlist that is not there yet', async () => {
    // The first ten tries find no master playlist (two each, on average); the stream, paced by
    // reloads, ends by itself, so the deadline only bounds a hang.
    const late = new FakeOrigin();
    late.reloadsPerSegment = 5;
    late.endAtEdge = 6;
    let refused = 0;
    late.missing = (name) => name === 'master.m3u8' && refused++ < 10;
    await late.listen();
    try {
      const r = await runHlsAudience({ masterUrl: late.masterUrl, clients: 5, seconds: 60, rampSeconds: 0, jitter: 0 });
      assert.equal(r.requests.master, 15, 'ten refused tries, then one that worked for each client');
      assert.equal(r.errors, 10, 'every refused try counted as an error');
      assert.equal(r.noSegments, 0);
    } finally {
      await late.close();
    }
  });

  it('keeps at most maxInFlight requests open, however many clients wait', async () => {
    // A server of its own: requests the last test's deadline cut can still arrive at the shared one.
    const slow = new FakeOrigin();
    slow.delayMs = 50;
    // Paced by reloads and ended by itself: the clients get past the master playlist however slow the machine.
    slow.reloadsPerSegment = 30;
    slow.endAtEdge = 6;
    await slow.listen();
    try {
      const r = await runHlsAudience({ masterUrl: slow.masterUrl, clients: 30, seconds: 60, rampSeconds: 0, maxInFlight: 4 });
      assert.ok(r.requests.total > 30, 'the clients got past the master playlist');
      assert.equal(slow.maxOpen, 4);
    } finally {
      await slow.close();
    }
  });

  it('ends at the deadline even when the server never answers, without blaming it', async () => {
    origin.hang = true;
    try {
      const r = await runHlsAudience({ masterUrl: origin.masterUrl, clients: 5, seconds: 1, rampSeconds: 0 });
      assert.equal(r.requests.master, 5);
      assert.equal(r.errors, 0, 'requests cut by the deadline are not errors');
      assert.equal(r.noSegments, 5);
      assert.equal(r.keptUp, 0);
    } finally {
      origin.hang = false;
    }
  });
});
