// HLS playlists: reading what ffmpeg writes (the one parser, src/protocol/hls-playlists.ts, as
// the origin uses it), and the live, recording and master playlists we serve (src/egress). Every assertion is on exact text or values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  RENDITIONS,
  averageSegmentBitRate,
  peakSegmentBitRate,
  renderLivePlaylist,
  renderMasterPlaylist,
  renderRecordingPlaylist,
  type ServedSegment,
} from '../../../src/egress/hls-playlist.js';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../src/protocol/hls-playlists.js';
import { masterAudioProblems } from '../../helpers/hls-master.js';

/** A parsed segment's URI and duration (what these tests compare). */
const plain = (segments: ReadonlyArray<{ uri: string; duration: number }>) => segments.map(({ uri, duration }) => ({ uri, duration }));

/** What ffmpeg's hls muxer writes for one fMP4 rendition (hls_list_size 0, while running). */
const FFMPEG_AUDIO = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init-audio.mp4"
#EXTINF:1.002667,
audio-000000.m4s
#EXTINF:0.997333,
audio-000001.m4s
#EXTINF:1.000000,
audio-000002.m4s
`;

const T0 = Date.UTC(2024, 4, 17, 12, 0, 0, 250);

function seg(i: number, opts: Partial<ServedSegment> = {}): ServedSegment {
  return { uri: `r1/audio-${String(i).padStart(6, '0')}.m4s`, duration: 1, wallStartMs: T0 + i * 1000, map: 'r1/init-audio.mp4', ...opts };
}

/** The lines of a playlist that start with `prefix`. */
function tagLines(text: string, prefix: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(prefix));
}

describe('RENDITIONS', () => {
  it('lists audio then video', () => {
    assert.deepEqual([...RENDITIONS], ['audio', 'video']);
  });
});

describe('parseMediaPlaylist', () => {
  it('reads an ffmpeg playlist: map, segments with durations, target, media sequence', () => {
    const p = parseMediaPlaylist(FFMPEG_AUDIO);
    assert.equal(p.map, 'init-audio.mp4');
    assert.equal(p.targetDuration, 1);
    assert.equal(p.mediaSequence, 0);
    assert.equal(p.ended, false);
    assert.deepEqual(plain(p.segments), [
      { uri: 'audio-000000.m4s', duration: 1.002667 },
      { uri: 'audio-000001.m4s', duration: 0.997333 },
      { uri: 'audio-000002.m4s', duration: 1 },
    ]);
  });

  it('sees EXT-X-ENDLIST', () => {
    const p = parseMediaPlaylist(FFMPEG_AUDIO + '#EXT-X-ENDLIST\n');
    assert.equal(p.ended, true);
    assert.equal(p.segments.length, 3);
  });

  it('reads target duration and media sequence values', () => {
    const p = parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:1234\n#EXTINF:3.5,\na.m4s\n');
    assert.equal(p.targetDuration, 4);
    assert.equal(p.mediaSequence, 1234);
    assert.equal(p.map, null, 'no map');
    assert.deepEqual(
      p.segments.map((x) => [x.seq, x.map]),
      [[1234, null]],
      'numbered from the media sequence',
    );
    assert.deepEqual(plain(p.segments), [{ uri: 'a.m4s', duration: 3.5 }]);
  });

  it('defaults a bad target duration to 1 and a bad media sequence to 0', () => {
    const p = parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:x\n#EXT-X-MEDIA-SEQUENCE:y\n');
    assert.equal(p.targetDuration, 1);
    assert.equal(p.mediaSequence, 0);
  });

  it('ignores garbage lines, blank lines, unknown tags and a URI without EXTINF', () => {
    const text = [
      '#EXTM3U',
      '',
      'stray-before-anything.m4s',
      '#EXT-X-MAP:URI="init-video.mp4"',
      '#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00.000Z',
      '#SOMETHING-UNKNOWN:1',
      '   ',
      '#EXTINF:1.5,title text',
      '#EXT-X-BITRATE:100',
      'video-000000.m4s',
      'orphan.m4s',
      '#EXTINF:2,',
      '  video-000001.m4s  ',
    ].join('\n');
    const p = parseMediaPlaylist(text);
    assert.equal(p.map, 'init-video.mp4');
    assert.deepEqual(plain(p.segments), [
      { uri: 'video-000000.m4s', duration: 1.5 },
      { uri: 'video-000001.m4s', duration: 2 },
    ]);
  });

  it('handles CRLF line endings', () => {
    const p = parseMediaPlaylist(FFMPEG_AUDIO.replace(/\n/g, '\r\n') + '#EXT-X-ENDLIST\r\n');
    assert.equal(p.map, 'init-audio.mp4');
    assert.equal(p.segments.length, 3);
    assert.equal(p.segments[0]!.uri, 'audio-000000.m4s');
    assert.equal(p.ended, true);
  });

  it('drops segments with a zero, negative or unparsable duration (and their URI line)', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-MAP:URI="init-audio.mp4"',
      '#EXTINF:0,',
      'zero.m4s',
      '#EXTINF:-1.5,',
      'negative.m4s',
      '#EXTINF:abc,',
      'nan.m4s',
      '#EXTINF:Infinity,',
      'inf.m4s',
      '#EXTINF:0.5,',
      'good.m4s',
    ].join('\n');
    const p = parseMediaPlaylist(text);
    assert.deepEqual(plain(p.segments), [{ uri: 'good.m4s', duration: 0.5 }]);
  });

  it('keeps the last map when there are several, and a map without URI is null', () => {
    assert.equal(parseMediaPlaylist('#EXT-X-MAP:URI="a.mp4"\n#EXT-X-MAP:URI="b.mp4"\n').map, 'b.mp4');
    assert.equal(parseMediaPlaylist('#EXT-X-MAP:BYTERANGE="1@0"\n').map, null);
    assert.equal(parseMediaPlaylist('#EXT-X-MAP:URI="init.mp4",BYTERANGE="720@0"\n').map, 'init.mp4');
  });

  it('parses an empty text to an empty playlist', () => {
    assert.deepEqual(parseMediaPlaylist(''), { targetDuration: 1, mediaSequence: 0, map: null, segments: [], ended: false });
  });
});

describe('renderLivePlaylist', () => {
  it('writes the header, then a map, date-time and EXTINF per segment', () => {
    const text = renderLivePlaylist({ mediaSequence: 42, discontinuitySequence: 3, segments: [seg(0), seg(1, { duration: 0.98 })] });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:1',
        '#EXT-X-MEDIA-SEQUENCE:42',
        '#EXT-X-DISCONTINUITY-SEQUENCE:3',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="r1/init-audio.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2024-05-17T12:00:00.250Z',
        '#EXTINF:1.000000,',
        'r1/audio-000000.m4s',
        '#EXT-X-PROGRAM-DATE-TIME:2024-05-17T12:00:01.250Z',
        '#EXTINF:0.980000,',
        'r1/audio-000001.m4s',
        '',
      ].join('\n'),
    );
  });

  it('has no ENDLIST and no PLAYLIST-TYPE', () => {
    const text = renderLivePlaylist({ mediaSequence: 0, discontinuitySequence: 0, segments: [seg(0)] });
    assert.ok(!text.includes('#EXT-X-ENDLIST'));
    assert.ok(!text.includes('#EXT-X-PLAYLIST-TYPE'));
  });

  it('target duration is the largest rounded duration, at least 1', () => {
    const target = (durations: number[]) =>
      tagLines(
        renderLivePlaylist({ mediaSequence: 0, discontinuitySequence: 0, segments: durations.map((d, i) => seg(i, { duration: d })) }),
        '#EXT-X-TARGETDURATION:',
      );
    assert.deepEqual(target([]), ['#EXT-X-TARGETDURATION:1'], 'empty window');
    assert.deepEqual(target([0.2, 0.4]), ['#EXT-X-TARGETDURATION:1'], 'never below 1');
    assert.deepEqual(target([1.4, 1.2]), ['#EXT-X-TARGETDURATION:1'], '1.4 rounds to 1');
    assert.deepEqual(target([1.0, 1.5, 1.1]), ['#EXT-X-TARGETDURATION:2'], '1.5 rounds up to 2');
    assert.deepEqual(target([2.49, 6.2, 3]), ['#EXT-X-TARGETDURATION:6']);
  });

  it('a change of map inserts EXT-X-DISCONTINUITY and the new map, once', () => {
    const text = renderLivePlaylist({
      mediaSequence: 7,
      discontinuitySequence: 0,
      segments: [
        seg(0),
        seg(1),
        seg(2, { uri: 'r2/audio-000000.m4s', map: 'r2/init-audio.mp4' }),
        seg(3, { uri: 'r2/audio-000001.m4s', map: 'r2/init-audio.mp4' }),
      ],
    });
    const lines = text.split('\n');
    assert.deepEqual(tagLines(text, '#EXT-X-MAP:'), ['#EXT-X-MAP:URI="r1/init-audio.mp4"', '#EXT-X-MAP:URI="r2/init-audio.mp4"']);
    assert.equal(tagLines(text, '#EXT-X-DISCONTINUITY').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
    const disc = lines.indexOf('#EXT-X-DISCONTINUITY');
    assert.equal(lines[disc - 1], 'r1/audio-000001.m4s', 'after the last segment of the first map');
    assert.equal(lines[disc + 1], '#EXT-X-MAP:URI="r2/init-audio.mp4"', 'followed by the new map');
    assert.ok(lines.indexOf('#EXT-X-MAP:URI="r1/init-audio.mp4"') < lines.indexOf('r1/audio-000000.m4s'));
    assert.ok(lines.indexOf('#EXT-X-MAP:URI="r1/init-audio.mp4"') > lines.indexOf('#EXT-X-INDEPENDENT-SEGMENTS'), 'the first map needs no discontinuity');
  });

  it('switching back to an earlier map is another discontinuity', () => {
    const text = renderLivePlaylist({
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: [seg(0, { map: 'a.mp4' }), seg(1, { map: 'b.mp4' }), seg(2, { map: 'a.mp4' })],
    });
    assert.equal(text.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 2);
    assert.equal(tagLines(text, '#EXT-X-MAP:').length, 3);
  });

  it('writes PROGRAM-DATE-TIME as ISO 8601 UTC with milliseconds for every segment', () => {
    const segs = [seg(0, { wallStartMs: 0 }), seg(1, { wallStartMs: 1_700_000_000_123 }), seg(2, { wallStartMs: 1_700_000_001_999 })];
    const text = renderLivePlaylist({ mediaSequence: 0, discontinuitySequence: 0, segments: segs });
    assert.deepEqual(tagLines(text, '#EXT-X-PROGRAM-DATE-TIME:'), [
      '#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z',
      '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.123Z',
      '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:21.999Z',
    ]);
    for (const line of tagLines(text, '#EXT-X-PROGRAM-DATE-TIME:')) {
      const iso = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length);
      assert.equal(new Date(iso).toISOString(), iso);
    }
  });

  it('writes EXTINF with six decimals', () => {
    const text = renderLivePlaylist({ mediaSequence: 0, discontinuitySequence: 0, segments: [seg(0, { duration: 1.0026666666 })] });
    assert.deepEqual(tagLines(text, '#EXTINF:'), ['#EXTINF:1.002667,']);
  });

  it('an empty window is a valid header-only playlist', () => {
    const text = renderLivePlaylist({ mediaSequence: 5, discontinuitySequence: 1, segments: [] });
    assert.ok(text.endsWith('#EXT-X-INDEPENDENT-SEGMENTS\n'));
    assert.equal(tagLines(text, '#EXT-X-MAP').length, 0);
    const p = parseMediaPlaylist(text);
    assert.equal(p.mediaSequence, 5);
    assert.deepEqual(plain(p.segments), []);
  });
});

describe('renderRecordingPlaylist', () => {
  const segs = [seg(0), seg(1, { duration: 1.5 }), seg(2, { map: 'r2/init-audio.mp4', uri: 'r2/audio-000000.m4s' })];

  it('is an EVENT playlist without ENDLIST while it grows', () => {
    const text = renderRecordingPlaylist(segs, false);
    assert.deepEqual(tagLines(text, '#EXT-X-PLAYLIST-TYPE:'), ['#EXT-X-PLAYLIST-TYPE:EVENT']);
    assert.deepEqual(tagLines(text, '#EXT-X-MEDIA-SEQUENCE:'), ['#EXT-X-MEDIA-SEQUENCE:0']);
    assert.ok(!text.includes('#EXT-X-ENDLIST'));
    assert.ok(!text.includes('#EXT-X-DISCONTINUITY-SEQUENCE'), 'a recording starts at 0 and never slides');
    assert.deepEqual(tagLines(text, '#EXT-X-TARGETDURATION:'), ['#EXT-X-TARGETDURATION:2']);
  });

  it('is a VOD playlist ending in ENDLIST once final', () => {
    const text = renderRecordingPlaylist(segs, true);
    assert.deepEqual(tagLines(text, '#EXT-X-PLAYLIST-TYPE:'), ['#EXT-X-PLAYLIST-TYPE:VOD']);
    assert.ok(text.endsWith('r2/audio-000000.m4s\n#EXT-X-ENDLIST\n'));
    assert.equal(text.split('\n').filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
    assert.equal(parseMediaPlaylist(text).ended, true);
  });

  it('the same segments give the same body either way', () => {
    const body = (t: string) =>
      t
        .split('\n')
        .filter((l) => !l.startsWith('#EXT-X-PLAYLIST-TYPE') && l !== '#EXT-X-ENDLIST')
        .join('\n');
    assert.equal(body(renderRecordingPlaylist(segs, false)), body(renderRecordingPlaylist(segs, true)));
  });

  it('an empty final recording is still a valid VOD', () => {
    const text = renderRecordingPlaylist([], true);
    assert.ok(text.includes('#EXT-X-TARGETDURATION:1\n'));
    assert.ok(text.endsWith('#EXT-X-ENDLIST\n'));
    assert.deepEqual(parseMediaPlaylist(text).segments, []);
  });
});

describe('renderMasterPlaylist', () => {
  const opts = { width: 640, height: 360, videoKbps: 500, audioKbps: 64, segmentSeconds: 1, video: true };

  it('lists the audio-only variant first, without AUDIO=, then the video variant with AUDIO="aud"', () => {
    const text = renderMasterPlaylist(opts);
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Space",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=112000,AVERAGE-BANDWIDTH=80000,CODECS="mp4a.40.2"',
        'audio.m3u8',
        // The video's VBV bound, 500k + a 250 kbit buffer over a 1 s segment, its fMP4 headers, and the audio's peak (1.5 x 64k + headers).
        '#EXT-X-STREAM-INF:BANDWIDTH=878000,AVERAGE-BANDWIDTH=596000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=30.000,AUDIO="aud"',
        'video.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('each variant line is followed by its URI; only the video one names the audio group and a resolution', () => {
    const lines = renderMasterPlaylist({ ...opts, width: 1280, height: 720 }).split('\n');
    const inf = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('#EXT-X-STREAM-INF:'));
    assert.equal(inf.length, 2);
    const [audio, video] = inf;
    assert.equal(lines[audio![1] + 1], 'audio.m3u8');
    assert.equal(lines[video![1] + 1], 'video.m3u8');
    assert.ok(audio![1] < video![1], 'audio-only first');
    assert.ok(!audio![0].includes('AUDIO='));
    assert.ok(!audio![0].includes('RESOLUTION='));
    assert.ok(video![0].includes('AUDIO="aud"'));
    assert.ok(video![0].includes('RESOLUTION=1280x720'));
  });

  it('video:false leaves the video variant out', () => {
    const text = renderMasterPlaylist({ ...opts, video: false });
    assert.ok(!text.includes('video.m3u8'));
    assert.ok(!text.includes('RESOLUTION='));
    assert.ok(!text.includes('avc1'));
    assert.equal(tagLines(text, '#EXT-X-STREAM-INF:').length, 1);
    assert.ok(text.endsWith('audio.m3u8\n'));
  });

  it("live, lists Low data mode's Opus variant last (audio only, its own bandwidth)", () => {
    const text = renderMasterPlaylist({ ...opts, lowAudioKbps: 16 });
    assert.ok(text.endsWith('#EXT-X-STREAM-INF:BANDWIDTH=24000,AVERAGE-BANDWIDTH=24000,CODECS="opus"\nlow.m3u8\n'));
    assert.equal(tagLines(text, '#EXT-X-STREAM-INF:').length, 3);
    assert.ok(!renderMasterPlaylist(opts).includes('low.m3u8'), 'not without it (recordings)');
  });

  it('an audio-only master (a recording without video) declares its audio once: one variant, no audio group', () => {
    const text = renderMasterPlaylist({ ...opts, video: false });
    assert.deepEqual(masterAudioProblems(text), []);
    assert.equal(tagLines(text, '#EXT-X-MEDIA:').length, 0, 'no EXT-X-MEDIA no variant would use');
    const m = parseMasterPlaylist(text, 'http://127.0.0.1/r/master.m3u8');
    assert.deepEqual(
      m.variants.map((v) => [v.uri, v.codecs, v.audioGroup]),
      [['http://127.0.0.1/r/audio.m3u8', 'mp4a.40.2', null]],
    );
  });

  it('every audio group is named by a variant, live (with Low data mode) and in a recording with video', () => {
    for (const o of [{ ...opts, lowAudioKbps: 16 }, opts]) {
      const text = renderMasterPlaylist(o);
      assert.deepEqual(masterAudioProblems(text), []);
      const m = parseMasterPlaylist(text, 'http://127.0.0.1/r/master.m3u8');
      assert.equal(m.audio.length, 1, 'one audio rendition');
      assert.deepEqual(
        m.variants.filter((v) => v.audioGroup !== null).map((v) => v.uri),
        ['http://127.0.0.1/r/video.m3u8'],
      );
    }
  });

  it('the check finds a group no variant names, and one named but not declared', () => {
    const head = '#EXTM3U\n#EXT-X-VERSION:7\n';
    const orphan = `${head}#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="a",URI="audio.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="mp4a.40.2"\naudio.m3u8\n`;
    assert.deepEqual(masterAudioProblems(orphan), ['audio group "aud" is named by no variant']);
    const missing = `${head}#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1.4d401f,mp4a.40.2",AUDIO="x"\nvideo.m3u8\n`;
    assert.deepEqual(masterAudioProblems(missing), ['a variant names audio group "x", which is not declared']);
  });

  it('bandwidths follow the bitrates', () => {
    const text = renderMasterPlaylist({ ...opts, audioKbps: 32, videoKbps: 1200 });
    assert.deepEqual(
      tagLines(text, '#EXT-X-STREAM-INF:').map((l) => /BANDWIDTH=(\d+)/.exec(l)![1]),
      [String(48_000 + 16_000), String(1_200_000 * 1.5 + 16_000 + 48_000 + 16_000)],
    );
    const longer = renderMasterPlaylist({ ...opts, videoKbps: 1200, segmentSeconds: 2 });
    assert.match(longer, /BANDWIDTH=1928000,/, 'half a segment of buffer at any length: 1.2M + 1.2 Mbit over 2 s + 16k + 112k');
  });

  it('a finished presentation declares what its segments measured: peaks summed with the audio, and averages', () => {
    const text = renderMasterPlaylist({ ...opts, measured: { audio: { peak: 70_000.2, average: 66_000 }, video: { peak: 1_400_000, average: 1_000_000.5 } } });
    assert.deepEqual(
      tagLines(text, '#EXT-X-STREAM-INF:').map((l) => /BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+)/.exec(l)!.slice(1)),
      [
        ['70001', '66000'],
        ['1470001', '1066001'],
      ],
    );
  });
});

describe('peakSegmentBitRate and averageSegmentBitRate (RFC 8216 §4.1)', () => {
  it('the peak is the densest run of segments lasting 0.5 to 1.5 target durations', () => {
    const sized = [
      { bytes: 100_000, duration: 1 },
      { bytes: 200_000, duration: 1 },
      { bytes: 50_000, duration: 1 },
    ];
    assert.equal(peakSegmentBitRate(sized, 1), 1_600_000);
    // With a target of 2, single 1 s segments and pairs count: the densest pair is 300 kB over 2 s.
    assert.equal(peakSegmentBitRate(sized, 2), 1_600_000);
    assert.equal(peakSegmentBitRate(sized, 4), 1_200_000, 'runs of 2 to 6 s: the densest pair');
    assert.equal(peakSegmentBitRate(sized, 6), (350_000 * 8) / 3, 'only the whole run is long enough');
    assert.equal(averageSegmentBitRate(sized), (350_000 * 8) / 3);
  });

  it('a short last segment counts only with its neighbour; a list too short for any run is measured whole', () => {
    const sized = [
      { bytes: 100_000, duration: 1 },
      { bytes: 40_000, duration: 0.2 },
    ];
    assert.equal(peakSegmentBitRate(sized, 1), (140_000 * 8) / 1.2);
    assert.equal(peakSegmentBitRate([{ bytes: 1000, duration: 0.1 }], 1), 80_000);
    assert.equal(peakSegmentBitRate([], 1), 0);
  });
});

describe('round trip', () => {
  const segments: ServedSegment[] = [
    seg(0, { duration: 1.002667 }),
    seg(1, { duration: 0.997333 }),
    seg(2, { duration: 0.5 }),
    seg(3, { duration: 2.25, uri: 'r2/audio-000000.m4s', map: 'r2/init-audio.mp4' }),
    seg(4, { duration: 0.000001, uri: 'r2/audio-000001.m4s', map: 'r2/init-audio.mp4' }),
  ];
  const asParsed = (s: readonly ServedSegment[]) => s.map(({ uri, duration }) => ({ uri, duration }));

  it('parse(renderLivePlaylist) gives back the segments, media sequence and target', () => {
    const p = parseMediaPlaylist(renderLivePlaylist({ mediaSequence: 99, discontinuitySequence: 2, segments }));
    assert.deepEqual(plain(p.segments), asParsed(segments));
    assert.equal(p.mediaSequence, 99);
    assert.equal(p.targetDuration, 2);
    assert.equal(p.map, 'r2/init-audio.mp4', 'the last map');
    assert.equal(p.ended, false);
  });

  it('parse(renderRecordingPlaylist) gives back the segments, EVENT and VOD', () => {
    for (const final of [false, true]) {
      const p = parseMediaPlaylist(renderRecordingPlaylist(segments, final));
      assert.deepEqual(plain(p.segments), asParsed(segments));
      assert.equal(p.mediaSequence, 0);
      assert.equal(p.ended, final);
    }
  });

  it('a parsed ffmpeg playlist rendered and parsed again is unchanged', () => {
    const first = parseMediaPlaylist(FFMPEG_AUDIO);
    const served = first.segments.map((s, i) => ({ ...s, wallStartMs: T0 + i * 1000, map: first.map! }));
    const again = parseMediaPlaylist(renderLivePlaylist({ mediaSequence: first.mediaSequence, discontinuitySequence: 0, segments: served }));
    assert.deepEqual(again.segments, first.segments);
    assert.equal(again.map, first.map);
    assert.equal(again.targetDuration, first.targetDuration);
  });
});
