// Fuzzing the readers of text that comes from the network: SDP offers and answers, WHIP/WHEP
// trickle fragments and ICE candidates, signalling messages, and HLS playlists. Each may only
// refuse what it cannot take, with its own error; nothing else may escape, and nothing it
// accepts may be out of bounds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readClientOffer, readSdpFragment, UnsupportedOfferError } from '../../src/media/transport/client-offer.js';
import { inspectAnswer, InvalidSdpError } from '../../src/media/transport/sdp.js';
import { normaliseCandidate } from '../../src/media/transport/ice-candidate.js';
import { clientMessageSchema, titleText } from '../../src/protocol/messages.js';
import { parseMasterPlaylist, parseMediaPlaylist, PlaylistError } from '../../src/protocol/hls-playlists.js';
import { CLIENT_ANSWER, MASTER_PLAYLIST, MEDIA_PLAYLIST, OFFERED_MIDS, TRICKLE_FRAGMENT, WHIP_OFFER } from './seeds.js';
import { mutatedLines, RUNS, survives } from './fuzz.js';

const text = (seed: string, separator?: string) =>
  fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 }), mutatedLines(seed, separator));

describe('fuzz: SDP', () => {
  it('a WHIP/WHEP offer is read or refused with InvalidSdpError/UnsupportedOfferError', () => {
    fc.assert(
      fc.property(text(WHIP_OFFER), fc.boolean(), (sdp, h264) => {
        survives(
          () => {
            const plan = readClientOffer(sdp, h264);
            for (const s of plan.sections) {
              assert.ok(Number.isInteger(s.payloadType) && s.payloadType >= 0 && s.payloadType <= 127, `payload type ${s.payloadType}`);
              assert.ok(s.audioLevelExtId >= 0 && s.audioLevelExtId <= 255);
              assert.ok(s.ssrc === null || (Number.isInteger(s.ssrc) && s.ssrc >= 0 && s.ssrc <= 0xffffffff), `ssrc ${s.ssrc}`);
            }
          },
          InvalidSdpError,
          UnsupportedOfferError,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('a client answer is inspected or refused with InvalidSdpError', () => {
    fc.assert(
      fc.property(text(CLIENT_ANSWER), (sdp) => {
        survives(() => {
          const facts = inspectAnswer(sdp, OFFERED_MIDS);
          for (const [, ids] of facts.ssrcs) for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id <= 0xffffffff);
          for (const [, id] of facts.audioLevelIds) assert.ok(Number.isInteger(id) && id >= 1 && id <= 14, `extension id ${id}`);
        }, InvalidSdpError);
      }),
      { numRuns: RUNS },
    );
  });

  it('a trickle fragment (PATCH body) is read or refused with InvalidSdpError, and its candidates are well-formed', () => {
    fc.assert(
      fc.property(text(TRICKLE_FRAGMENT), (frag) => {
        survives(() => {
          for (const c of readSdpFragment(frag).candidates) assert.match(c.candidate, /^candidate:\S+ \d+ (udp|tcp) \d+ \S+ \d+ typ \S+/i);
        }, InvalidSdpError);
      }),
      { numRuns: RUNS },
    );
  });

  it('an ICE candidate is normalised or refused with InvalidSdpError', () => {
    const seed = 'candidate:842163049 1 udp 1677729535 203.0.113.7 3478 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag AbCd';
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutatedLines(seed, ' ')), (candidate) => {
        survives(() => {
          const line = normaliseCandidate(candidate);
          assert.ok(line === null || line.startsWith('candidate:'));
        }, InvalidSdpError);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: signalling messages', () => {
  it('any JSON value parses to a valid message or an error, without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            type: fc.constantFrom('join', 'answer', 'candidate', 'action', 'comment', 'react', 'pin', 'setTier', 'leave', 'setName'),
            rid: fc.string(),
            body: fc.jsonValue(),
            text: fc.string({ unit: 'binary' }),
            guestSecret: fc.string(),
            guestName: fc.string({ unit: 'binary' }),
            name: fc.string({ unit: 'binary' }),
          }),
        ),
        (value) => {
          const result = clientMessageSchema.safeParse(value);
          if (result.success) assert.equal(typeof result.data.type, 'string');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('any text as a title is accepted clean or refused, never with a control or bidi character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (title) => {
        const r = titleText.safeParse(title);
        if (r.success) assert.doesNotMatch(r.data, /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: HLS playlists', () => {
  it("ffmpeg's media playlist, as the origin reads it: never throws, only finite positive durations", () => {
    fc.assert(
      fc.property(text(MEDIA_PLAYLIST, '\n'), (playlist) => {
        const p = parseMediaPlaylist(playlist);
        for (const s of p.segments) assert.ok(Number.isFinite(s.duration) && s.duration > 0);
        assert.ok(Number.isFinite(p.mediaSequence) && Number.isFinite(p.targetDuration));
      }),
      { numRuns: RUNS },
    );
  });

  it('master and media playlists, as the simulated HLS audience reads them, never throw', () => {
    fc.assert(
      fc.property(text(MASTER_PLAYLIST, '\n'), text(MEDIA_PLAYLIST, '\n'), (master, media) => {
        survives(() => parseMasterPlaylist(master, 'http://127.0.0.1/hls/s/master.m3u8'), PlaylistError);
        survives(() => {
          const p = parseMediaPlaylist(media, 'http://127.0.0.1/hls/s/audio.m3u8');
          assert.ok(p.targetDuration > 0 && Number.isFinite(p.mediaSequence));
        }, PlaylistError);
      }),
      { numRuns: RUNS },
    );
  });
});

// Inputs the fuzzers above found to break a parser, kept as they were found.
describe('fuzz regressions', () => {
  it('a media playlist with an empty #EXTINF gives no segment with a NaN duration (load generator)', () => {
    const media =
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MEDIA-SEQUENCE:41\n#EXT-X-MAP:URI="init-audio.mp4"\na=\n#EXTINF:\naudio-000041.m4s\n#EXTINF:0.980000,\nr2/audio-000000.m4s\n';
    const p = parseMediaPlaylist(media, 'http://127.0.0.1/hls/s/audio.m3u8');
    assert.deepEqual(
      p.segments.map((s) => s.duration),
      [0.98],
    );
    assert.equal(p.targetDuration, 1);
  });
});
