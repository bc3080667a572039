// Offers shaped like those of WHIP encoders and WHEP players other than browsers (fixtures in
// test/fixtures/sdp), answered by the real transport (node-datachannel, no network needed): what
// the offer reader takes must be what the answer accepts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import * as sdpTransform from 'sdp-transform';
import { readClientOffer, type OfferPlan } from '../../../src/media/transport/client-offer.js';
import { IngestPeer, type H264Transcoder } from '../../../src/media/transport/ingest-peer.js';
import { PlaybackPeer } from '../../../src/media/transport/playback-peer.js';
import { createCounters } from '../../../src/media/counters.js';
import type { TransportConfig } from '../../../src/media/transport/transport-config.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/sdp/${name}`, import.meta.url), 'utf8');

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Constructs nothing: no frame is ever fed here, the peer only needs a factory to accept H.264. */
const idleTranscoder: H264Transcoder = () => ({ push: () => undefined, close: () => undefined });
const ignore = () => undefined;
const ingestEvents = { micMessage: ignore, camMessage: ignore, micChanged: ignore, camChanged: ignore, connectionState: ignore };

/** Per mid, whether our answer accepts the m-line (a non-zero port). */
function answered(sdp: string): Map<string, boolean> {
  return new Map(sdpTransform.parse(sdp).media.map((m) => [String(m.mid), m.port !== 0]));
}

function assertAgrees(plan: OfferPlan, answer: string, what: string): void {
  const accepted = answered(answer);
  for (const s of plan.sections) assert.equal(accepted.get(s.mid), true, `${what}: ${s.kind} ${s.mid} is read, so it is accepted`);
  for (const mid of plan.ignoredMids) assert.equal(accepted.get(mid), false, `${what}: ${mid} is ignored, so it is rejected`);
}

describe('offers of real WHIP and WHEP clients', () => {
  it('GStreamer (simple-whip-client): bundle-only audio is read and answered, with VP8 or H.264 video', async () => {
    const transport: TransportConfig = { udpPort: await freeUdpPort(), bindAddress: '127.0.0.1', iceServers: [] };
    for (const name of ['gstreamer-whip-vp8.sdp', 'gstreamer-whip-h264.sdp']) {
      const offer = fixture(name);
      const plan = readClientOffer(offer, true);
      assert.deepEqual(
        plan.sections.map((s) => [s.mid, s.codec, s.direction]),
        [
          ['video0', name.includes('vp8') ? 'vp8' : 'h264', 'sendonly'],
          ['audio1', 'opus', 'sendonly'],
        ],
        name,
      );
      const { peer, answer } = await IngestPeer.accept('gst', offer, transport, ingestEvents, idleTranscoder);
      assertAgrees(plan, answer, name);
      peer.close();
    }
  });

  it('a port-0 m-line without bundle-only is disabled: not read, and rejected in the answer', async () => {
    const transport: TransportConfig = { udpPort: await freeUdpPort(), bindAddress: '127.0.0.1', iceServers: [] };
    const offer = fixture('gstreamer-whip-vp8.sdp').replace('a=bundle-only\r\n', '');
    const plan = readClientOffer(offer);
    assert.deepEqual(plan.ignoredMids, ['audio1']);
    const { peer, answer } = await IngestPeer.accept('gst', offer, transport, ingestEvents);
    assertAgrees(plan, answer, 'disabled audio');
    peer.close();
  });

  it('aiortc (WHEP): Opus without a=fmtp is answered with the defaults', async () => {
    const transport: TransportConfig = { udpPort: await freeUdpPort(), bindAddress: '127.0.0.1', iceServers: [] };
    const offer = fixture('aiortc-whep.sdp');
    const plan = readClientOffer(offer);
    assert.equal(plan.sections.find((s) => s.kind === 'audio')?.fmtp, '', 'the fixture has no fmtp for Opus');
    const { peer, answer } = await PlaybackPeer.accept('aio', offer, transport, createCounters(), { videoSwitched: ignore, connectionState: ignore });
    assertAgrees(plan, answer, 'aiortc');
    assert.match(answer, /a=rtpmap:96 opus\/48000\/2/i);
    peer.close();
    // The same offer as a WHIP publisher's (sending): answered too.
    const sending = offer.replaceAll('a=recvonly', 'a=sendonly');
    const ingest = await IngestPeer.accept('aio-whip', sending, transport, ingestEvents);
    assertAgrees(readClientOffer(sending), ingest.answer, 'aiortc as a publisher');
    ingest.peer.close();
  });

  it('OBS (WHIP): Opus and H.264 are read and answered', async () => {
    const transport: TransportConfig = { udpPort: await freeUdpPort(), bindAddress: '127.0.0.1', iceServers: [] };
    const offer = fixture('obs-whip.sdp');
    const plan = readClientOffer(offer, true);
    assert.deepEqual(
      plan.sections.map((s) => [s.mid, s.codec]),
      [
        ['0', 'opus'],
        ['1', 'h264'],
      ],
    );
    const { peer, answer } = await IngestPeer.accept('obs', offer, transport, ingestEvents, idleTranscoder);
    assertAgrees(plan, answer, 'OBS');
    peer.close();
  });
  it('offers captured byte for byte from the real clients (GStreamer 1.22 webrtcbin, aiortc 1.4.0) are read and answered', async () => {
    const transport: TransportConfig = { udpPort: await freeUdpPort(), bindAddress: '127.0.0.1', iceServers: [] };
    const whip: Array<[string, string[][]]> = [
      [
        'captured-gstreamer-whip-vp8.sdp',
        [
          ['video0', 'vp8'],
          ['audio1', 'opus'],
        ],
      ],
      [
        'captured-gstreamer-whip-h264.sdp',
        [
          ['video0', 'h264'],
          ['audio1', 'opus'],
        ],
      ],
      [
        'captured-aiortc-whip.sdp',
        [
          ['0', 'opus'],
          ['1', 'vp8'],
        ],
      ],
    ];
    for (const [name, sections] of whip) {
      const offer = fixture(name);
      const plan = readClientOffer(offer, true);
      assert.deepEqual(
        plan.sections.map((s) => [s.mid, s.codec]),
        sections,
        name,
      );
      const { peer, answer } = await IngestPeer.accept(name, offer, transport, ingestEvents, idleTranscoder);
      assertAgrees(plan, answer, name);
      peer.close();
    }
    const offer = fixture('captured-aiortc-whep.sdp');
    const plan = readClientOffer(offer);
    assert.equal(plan.sections.find((s) => s.kind === 'audio')?.fmtp, '', "aiortc's Opus has no a=fmtp");
    const { peer, answer } = await PlaybackPeer.accept('aiortc-whep', offer, transport, createCounters(), { videoSwitched: ignore, connectionState: ignore });
    assertAgrees(plan, answer, 'captured aiortc WHEP offer');
    peer.close();
  });
});
