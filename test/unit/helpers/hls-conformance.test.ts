// The HLS conformance check (test/helpers/hls-conformance.ts) must be able to fail: each rule on
// a small hand-written playlist that breaks it, and what we render passes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bandwidthProblems, checkMasterText, checkMediaText, checkReload } from '../../helpers/hls-conformance.js';
import { renderLivePlaylist, renderMasterPlaylist, renderRecordingPlaylist, type ServedSegment } from '../../../src/egress/hls-playlist.js';

const T0 = Date.UTC(2026, 0, 1);
const seg = (i: number, map = 'init-a.mp4', duration = 1): ServedSegment => ({ uri: `a-${i}.m4s`, duration, wallStartMs: T0 + i * 1000, map });
const live = (first: number, n: number, discontinuitySequence = 0, map = (_i: number) => 'init-a.mp4') =>
  renderLivePlaylist({ mediaSequence: first, discontinuitySequence, segments: Array.from({ length: n }, (_, k) => seg(first + k, map(first + k))) });
const MASTER_OPTS = { width: 960, height: 540, videoKbps: 1200, audioKbps: 64, segmentSeconds: 1, video: true, lowAudioKbps: 16 };

/** The one problem `text` has, matched; each bad playlist breaks exactly one rule. */
function onlyProblem(problems: string[], pattern: RegExp): void {
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, pattern);
}

describe('checkMasterText', () => {
  const good = renderMasterPlaylist(MASTER_OPTS);
  const replace = (from: string, to: string) => {
    assert.ok(good.includes(from), from);
    return checkMasterText(good.replace(from, to)).problems;
  };

  it('our live and replay masters pass', () => {
    assert.deepEqual(checkMasterText(good).problems, []);
    assert.deepEqual(checkMasterText(renderMasterPlaylist({ ...MASTER_OPTS, lowAudioKbps: undefined, video: false })).problems, []);
    assert.equal(checkMasterText(good).variants.length, 3);
  });

  it('each rule fails on a playlist that breaks it', () => {
    onlyProblem(replace('#EXTM3U\n', '\n'), /first line/);
    onlyProblem(replace('#EXT-X-VERSION:7', '#EXT-X-VERSION:8'), /versions 1 to 7/);
    onlyProblem(replace('NAME="Space",', ''), /without NAME/);
    onlyProblem(replace('GROUP-ID="aud",', 'GROUP-ID=aud,'), /quoted string/);
    onlyProblem(replace('AUTOSELECT=YES', 'AUTOSELECT=NO'), /DEFAULT=YES needs AUTOSELECT=YES/);
    onlyProblem(replace('BANDWIDTH=80000,', 'BANDWIDTH=80k,'), /BANDWIDTH must be a decimal integer/);
    onlyProblem(replace(',CODECS="opus"', ''), /no CODECS/);
    onlyProblem(replace('RESOLUTION=960x540', 'RESOLUTION=960*540'), /RESOLUTION/);
    onlyProblem(replace('avc1.4d401f,mp4a.40.2', 'avc1.4d401f'), /audio rendition's codec/);
    assert.deepEqual(replace('AUDIO="aud"', 'AUDIO="other"'), [
      'audio group "aud" is named by no variant',
      'a variant names audio group "other", which is not declared',
    ]);
    onlyProblem(replace('#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-SESSION-DATA:DATA-ID="x",VALUE="y"'), /does not know/);
    onlyProblem(replace('#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-TARGETDURATION:1'), /media playlist tag/);
  });

  it('BANDWIDTH must cover the measured peak; AVERAGE-BANDWIDTH the measured average', () => {
    const v = { uri: 'video.m3u8', bandwidth: 1_000_000, averageBandwidth: 800_000, audioGroup: 'aud' };
    assert.deepEqual(bandwidthProblems(v, 1_000_000, 800_000), []);
    onlyProblem(bandwidthProblems(v, 1_000_001), /BANDWIDTH 1000000 < measured peak segment bit rate 1000001/);
    onlyProblem(bandwidthProblems(v, 900_000, 850_000), /AVERAGE-BANDWIDTH 800000 < measured 850000/);
  });
});

describe('checkMediaText', () => {
  it('our live, EVENT and VOD playlists pass, with a discontinuity at a new init segment', () => {
    assert.deepEqual(
      checkMediaText(
        live(10, 6, 2, (i) => (i < 13 ? 'init-a.mp4' : 'init-b.mp4')),
        false,
      ).problems,
      [],
    );
    assert.deepEqual(checkMediaText(renderRecordingPlaylist([seg(0), seg(1)], false, 2), false).problems, []);
    const vod = checkMediaText(renderRecordingPlaylist([seg(0), seg(1, 'init-b.mp4'), seg(2, 'init-b.mp4', 0.4)], true), true);
    assert.deepEqual(vod.problems, []);
    assert.deepEqual(
      vod.segments.map((s) => s.discontinuity),
      [0, 1, 1],
    );
  });

  it('each rule fails on a playlist that breaks it', () => {
    const good = live(10, 3);
    const broken = (from: string | RegExp, to: string, final = false) => checkMediaText(good.replace(from, to), final).problems;
    onlyProblem(broken('#EXT-X-VERSION:7', '#EXT-X-VERSION:5'), /EXT-X-MAP in a media playlist needs EXT-X-VERSION 6/);
    onlyProblem(broken('#EXT-X-TARGETDURATION:1', '#EXT-X-TARGETDURATION:1.5'), /TARGETDURATION must be present, a decimal integer/);
    onlyProblem(broken('#EXTINF:1.000000,', '#EXTINF:1.600000,'), /longer than EXT-X-TARGETDURATION 1/);
    onlyProblem(broken('#EXTINF:1.000000,', '#EXTINF:1.0'), /EXTINF is <duration>,/);
    onlyProblem(broken('T00:00:11.000Z', 'T00:00:11.000'), /ISO 8601/);
    onlyProblem(broken('T00:00:11.000Z', 'T00:00:09.000Z'), /earlier than the segment before it/);
    onlyProblem(checkMediaText(`${good}#EXT-X-ENDLIST\n`, false).problems, /ENDLIST in a live playlist/);
    onlyProblem(broken('#EXT-X-MEDIA-SEQUENCE:10', '#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-MEDIA-SEQUENCE:10'), /2 #EXT-X-MEDIA-SEQUENCE tags/);
    const late = `${good.replace('#EXT-X-DISCONTINUITY-SEQUENCE:0\n', '')}#EXT-X-DISCONTINUITY-SEQUENCE:0\n`;
    onlyProblem(checkMediaText(late, false).problems, /DISCONTINUITY-SEQUENCE after the first segment/);
    onlyProblem(broken('#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-PLAYLIST-TYPE:LIVE'), /VOD or EVENT/);
    onlyProblem(broken('a-11.m4s', '#EXT-X-MAP:URI="init-b.mp4"\na-11.m4s'), /new EXT-X-MAP without EXT-X-DISCONTINUITY/);
    onlyProblem(broken('#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-GAP'), /does not know/);
    const vod = renderRecordingPlaylist([seg(0)], true);
    onlyProblem(checkMediaText(vod.replace('#EXT-X-ENDLIST\n', ''), false).problems, /PLAYLIST-TYPE:VOD without EXT-X-ENDLIST/);
    assert.ok(checkMediaText(vod.replace('#EXT-X-ENDLIST\n', ''), true).problems.includes('a finished presentation without EXT-X-ENDLIST'));
    assert.equal(checkMediaText(vod.replace('PLAYLIST-TYPE:VOD', 'PLAYLIST-TYPE:EVENT'), true).problems.length, 1, 'a replay is VOD');
  });
});

describe('checkReload', () => {
  const load = (text: string) => checkMediaText(text, false);

  it('a window that slides, with its discontinuity scrolling out, passes', () => {
    const mapOf = (i: number) => (i < 12 ? 'init-a.mp4' : 'init-b.mp4');
    assert.deepEqual(checkReload(load(live(10, 4, 0, mapOf)), load(live(12, 4, 1, mapOf))), []);
    assert.deepEqual(checkReload(load(live(10, 4, 0, mapOf)), load(live(11, 4, 0, mapOf))), []);
  });

  it('each rule fails on a reload that breaks it', () => {
    const mapOf = (i: number) => (i < 12 ? 'init-a.mp4' : 'init-b.mp4');
    // The discontinuity before 12 scrolled out but the sequence did not count it.
    assert.deepEqual(checkReload(load(live(10, 4, 0, mapOf)), load(live(12, 4, 0, mapOf))), [
      'segment 12 was in discontinuity sequence 1, now 0',
      'segment 13 was in discontinuity sequence 1, now 0',
    ]);
    const sliding = load(live(10, 4));
    onlyProblem(checkReload(sliding, load(live(10, 4).replace('TARGETDURATION:1', 'TARGETDURATION:2'))), /TARGETDURATION changed from 1 to 2/);
    assert.ok(checkReload(sliding, load(live(9, 6))).some((p) => /MEDIA-SEQUENCE went back/.test(p)));
    onlyProblem(checkReload(sliding, load(live(10, 4).replace('a-12.m4s', 'b-12.m4s'))), /sequence number 12 was a-12.m4s, now b-12.m4s/);
    onlyProblem(checkReload(sliding, load(live(10, 3))), /segment 13 vanished from the end/);
    assert.ok(checkReload(load(live(10, 4, 3)), load(live(11, 4, 2))).includes('EXT-X-DISCONTINUITY-SEQUENCE went back from 3'));
    const event = load(renderRecordingPlaylist([seg(0), seg(1)], false, 2));
    onlyProblem(checkReload(event, load(renderRecordingPlaylist([seg(1)], false, 2).replace('SEQUENCE:0', 'SEQUENCE:1'))), /EVENT playlist removed segments/);
  });
});
