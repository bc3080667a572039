// Fuzzing the per-packet path with what a client (or a broken network) can send: RTP with
// header extensions and the RFC 6464 audio level, RTCP from publishers and viewers, VP8
// payload descriptors, H.264 packets of a WHIP camera, and on to the egress's reorder buffer,
// frame assembler and Opus mixer. Random bytes, and mutations of well-formed packets, which
// get much further in. A throw here is a crashed media worker: none may escape.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findHeaderExtension, isRtcp, isValidRtp, readAudioLevel, rtpPayloadBounds, rtpPayloadOffset } from '../../src/wire/rtp.js';
import { emptyReceptionReport, visitRtcp, writeNack, writePli, writeReceiverReport, writeRemb, writeSenderReport } from '../../src/wire/rtcp.js';
import { createVp8Descriptor, parseVp8, readPictureId } from '../../src/wire/vp8.js';
import { AudioPublisher } from '../../src/media/forwarding/audio-publisher.js';
import { DownstreamSlot } from '../../src/media/forwarding/downstream-slot.js';
import { VideoSlot } from '../../src/media/forwarding/video-slot.js';
import { StageVideo } from '../../src/media/forwarding/stage-video.js';
import { createCounters } from '../../src/media/counters.js';
import { createDetector } from '../../src/media/speaker/detector.js';
import { Vp8Packetizer } from '../../src/codecs/vp8-packetizer.js';
import { H264Depacketizer, type H264AccessUnit } from '../../src/codecs/h264-depacketizer.js';
import { RtpReorderBuffer } from '../../src/egress/rtp-reorder.js';
import { Vp8FrameAssembler } from '../../src/egress/vp8-frame-assembler.js';
import { AudioMixer } from '../../src/egress/audio-mixer.js';
import { decodeRelay, encodeRelay } from '../../src/media/cluster/protocol.js';
import { encodeFrame, FrameReader, LinkProtocolError, TAP_AUDIO } from '../../src/workers/codec-link.js';
import { packets, RUNS, survives } from './fuzz.js';

const SSRC = 0x11223344;
const AUDIO_EXT = 1;

/** An Opus packet as a browser sends it: one-byte header extension with the audio level. */
function opusPacket(seq: number, level: number): Buffer {
  const b = Buffer.alloc(12 + 8 + 40);
  b[0] = 0x90; // V=2, X=1
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  b.writeUInt32BE(SSRC, 8);
  b.writeUInt16BE(0xbede, 12);
  b.writeUInt16BE(1, 14);
  b[16] = (AUDIO_EXT << 4) | 0;
  b[17] = 0x80 | level;
  b.fill(0xf8, 20); // an Opus TOC byte and filler
  return b;
}

/** A VP8 keyframe's first packet, as our packetizer makes it. */
function vp8Packet(): Buffer {
  const frame = Buffer.alloc(300, 7);
  frame[0] = 0x10; // keyframe, show_frame
  frame.set([0x9d, 0x01, 0x2a], 3);
  frame.writeUInt16LE(640, 6);
  frame.writeUInt16LE(360, 8);
  let first: Buffer | null = null;
  new Vp8Packetizer({ ssrc: 0x55667788, payloadType: 96, sequence: 10, maxPayload: 200 }).packetize(frame, 9000, (p) => (first ??= Buffer.from(p)));
  return first!;
}

function rtcpSeeds(): Buffer[] {
  const scratch = Buffer.alloc(128);
  const report = { sourceSsrc: SSRC, fractionLost: 10, cumulativeLost: 3, extendedHighestSeq: 70000, jitter: 12, lastSr: 1, delaySinceLastSr: 2 };
  const out: Buffer[] = [];
  const take = (n: number) => out.push(Buffer.from(scratch.subarray(0, n)));
  take(writeSenderReport(scratch, SSRC, Date.now(), 12345, 10, 1000));
  take(writeReceiverReport(scratch, 0x0a0b0c0d, report));
  take(writePli(scratch, 0x0a0b0c0d, SSRC));
  take(writeNack(scratch, 0x0a0b0c0d, SSRC, 100, 0xff));
  take(writeRemb(scratch, 0x0a0b0c0d, SSRC, 800_000));
  out.push(Buffer.concat([out[1]!, out[2]!, out[3]!])); // a compound packet
  return out;
}

const outlet = () => ({ isOpen: () => true, sendMessageBinary: (_buf: Buffer) => true });
const RTCP = rtcpSeeds();
const anyRtcp = packets(...RTCP);
const anyOpus = packets(opusPacket(1, 30), opusPacket(2, 127));
const anyVp8 = packets(vp8Packet());

describe('fuzz: RTP and RTCP readers', () => {
  it('header fields, payload bounds, header extensions and the audio level stay within the packet', () => {
    fc.assert(
      fc.property(fc.oneof(anyOpus, anyVp8, anyRtcp), fc.integer({ min: 0, max: 15 }), (buf, id) => {
        isRtcp(buf);
        if (!isValidRtp(buf)) return;
        const offset = rtpPayloadOffset(buf);
        assert.ok(offset === -1 || (offset >= 12 && offset <= buf.length), `payload offset ${offset}`);
        const bounds = rtpPayloadBounds(buf);
        if (bounds) assert.ok(bounds[0] >= 12 && bounds[0] <= bounds[1] && bounds[1] <= buf.length, `bounds ${bounds}`);
        const ext = findHeaderExtension(buf, id);
        assert.ok(ext === -1 || (ext >= 12 && ext < buf.length), `extension at ${ext}`);
        const level = readAudioLevel(buf, id);
        assert.ok(level >= -1 && level <= 255);
      }),
      { numRuns: RUNS },
    );
  });

  it('RTCP, single or compound, is visited without reading past the packet', () => {
    fc.assert(
      fc.property(anyRtcp, (buf) => {
        visitRtcp(buf, {
          senderReport: () => undefined,
          reportBlock: (_ssrc, fraction) => assert.ok(fraction >= 0 && fraction <= 255),
          pli: () => undefined,
          nack: (_ssrc, pid) => assert.ok(pid >= 0 && pid <= 0xffff),
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('the VP8 payload descriptor is parsed in place or refused', () => {
    const d = createVp8Descriptor();
    fc.assert(
      fc.property(anyVp8, fc.nat(40), (buf, at) => {
        if (parseVp8(buf, at, d)) {
          assert.ok(d.dataAt <= buf.length, `data at ${d.dataAt} of ${buf.length}`);
          if (d.pictureIdAt >= 0) {
            assert.ok(d.pictureIdAt + 2 <= buf.length);
            assert.ok(readPictureId(buf, d.pictureIdAt) >= 0);
          }
          if (d.tl0PicIdxAt >= 0) assert.ok(d.tl0PicIdxAt < buf.length);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: the publisher and viewer paths', () => {
  const counters = createCounters();
  const detector = createDetector('ours');

  it("a stage member's microphone: validate, measure, gate, fan out, whatever arrives", () => {
    const pub = new AudioPublisher({
      id: 'p',
      counters,
      detector,
      live: true,
      requestLane: (p) => {
        if (p.slots.length === 0) p.attach(new DownstreamSlot({ mid: 'a0', ssrc: 0x1000, track: outlet(), counters }));
      },
    });
    pub.configure(SSRC, AUDIO_EXT);
    let now = 1_000_000;
    const scratch = Buffer.alloc(64);
    fc.assert(
      fc.property(fc.oneof(anyOpus, anyRtcp), (buf) => {
        now += 20;
        pub.onMessage(buf, now);
        pub.writeReceiverReport(scratch, 0x0a0b0c0d, now, emptyReceptionReport());
      }),
      { numRuns: RUNS },
    );
  });

  it("a camera, switched to and forwarded to a viewer, and the viewer's RTCP (NACK, PLI, receiver reports)", () => {
    const stage = new StageVideo(counters);
    const sender = { id: 'p', rtcpSsrc: 0x0a0b0c0d, sendToCam: () => undefined };
    stage.configureCamera(sender, { high: 0x55667788, low: 0x55667789 });
    stage.setCamera('p', true);
    const slot = new VideoSlot({ mid: 'v0', ssrc: 0x7000, track: outlet(), counters, events: { switched: () => undefined } });
    stage.addViewer({ id: 'viewer', videoSlot: slot });
    stage.setActiveSpeaker('p');
    let now = 1_000_000;
    const scratch = Buffer.alloc(64);
    fc.assert(
      fc.property(fc.oneof(anyVp8, anyRtcp), fc.oneof(anyRtcp, fc.constant(null)), (buf, fromViewer) => {
        now += 10;
        stage.onCameraPacket('p', 'high', buf, now);
        stage.onRemoteCameraPacket('p', 'low', buf, now);
        if (fromViewer) slot.onRtcp(fromViewer, now);
        if (now % 1000 === 0) stage.sendReports(now, emptyReceptionReport());
        void scratch;
      }),
      { numRuns: RUNS },
    );
  });

  it("a WHIP camera's H.264 packets are reassembled into access units, or dropped", () => {
    const d = new H264Depacketizer((unit) => assert.ok(unit.data.length > 0));
    let seq = 0;
    const nal = (type: number, size: number) => Buffer.concat([Buffer.from([0x60 | type]), Buffer.alloc(size, 0xab)]);
    const seeds = [
      nal(7, 10),
      nal(8, 4),
      nal(5, 100),
      Buffer.from([0x7c, 0x85, 1, 2, 3]),
      Buffer.from([0x7c, 0x45, 4, 5]),
      Buffer.from([0x78, 0, 3, 0x67, 1, 2, 0, 2, 0x68, 9]),
    ];
    fc.assert(
      fc.property(packets(...seeds), fc.integer({ min: -3, max: 3 }), fc.boolean(), (payload, step, marker) => {
        seq = (seq + step) & 0xffff;
        d.push(payload, seq, (seq * 3000) >>> 0, marker);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: the egress (stage video reordered into frames, speakers mixed)', () => {
  const mixers: AudioMixer[] = [];
  after(() => {
    for (const m of mixers) m.close();
  });

  it('the reorder buffer and the VP8 frame assembler take anything, and frames are whole', () => {
    const reorder = new RtpReorderBuffer();
    const assembler = new Vp8FrameAssembler();
    let now = 0;
    fc.assert(
      fc.property(anyVp8, (buf) => {
        now += 5;
        for (const p of [...reorder.push(buf, now), ...reorder.poll(now)]) {
          const frame = assembler.push(p);
          if (frame) assert.ok(frame.data.length > 0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the Opus mixer decodes what it can of each speaker and always gives a full frame', () => {
    const mixer = new AudioMixer();
    mixers.push(mixer);
    let now = 1_000_000;
    fc.assert(
      fc.property(anyOpus, fc.constantFrom('a', 'b', 'c'), (buf, who) => {
        now += 7;
        mixer.push(who, buf, now);
        if (now % 20 < 7) assert.equal(mixer.mix(now).length, 960 * 2);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});

describe('fuzz: framing between our processes', () => {
  it('a relayed frame is decoded or refused, never read past its end', () => {
    const seed = encodeRelay(1, 1, 'room', 'participant', opusPacket(1, 20));
    fc.assert(
      fc.property(packets(seed), (buf) => {
        const f = decodeRelay(buf);
        if (f) assert.ok(f.payload.length <= buf.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('the codec link cuts any byte stream into frames or refuses it with LinkProtocolError', () => {
    const seed = Buffer.concat([encodeFrame(TAP_AUDIO, 'room', 'p', opusPacket(3, 20)), encodeFrame(TAP_AUDIO, 'room', 'q', opusPacket(4, 20))]);
    fc.assert(
      fc.property(fc.array(packets(seed), { minLength: 1, maxLength: 4 }), (chunks) => {
        const reader = new FrameReader();
        survives(() => {
          for (const c of chunks) reader.push(c, (frame) => assert.ok(frame.payload.length <= c.length + reader.buffered + 16));
        }, LinkProtocolError);
      }),
      { numRuns: RUNS },
    );
  });
});

// Inputs the fuzzers above found to break a reader, kept as they were found.
describe('fuzz regressions', () => {
  it('parseVp8 given an offset inside a too short packet refuses it instead of reading past it', () => {
    const d = createVp8Descriptor();
    assert.equal(parseVp8(Buffer.from([0, 0]), 0, d), false);
    assert.equal(parseVp8(Buffer.alloc(11), 5, d), false);
  });

  it('an H.264 STAP-A that holds no NAL unit, with the marker, makes no empty access unit', () => {
    const units: H264AccessUnit[] = [];
    const d = new H264Depacketizer((unit) => units.push(unit));
    d.push(Buffer.from([0x78, 0, 3, 0x67, 1, 2, 0, 3, 0x65, 8, 9]), 1, 3000, true);
    assert.ok(units[0]?.keyframe, 'a keyframe first');
    d.push(Buffer.from([120, 68]), 2, 6000, true);
    assert.equal(units.length, 1);
  });
});
