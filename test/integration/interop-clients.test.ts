// WebRTC stacks other than libwebrtc and libdatachannel against the real server (issue #15):
// GStreamer's webrtcbin publishes over WHIP (VP8 and Opus, audio offered bundle-only, the
// candidates trickled in PATCHes, DELETE on ctrl-C), a listener in the Space hears and sees it,
// and aiortc plays it over WHEP from its own default offer (Opus without a=fmtp), decoding both.
// Then aiortc publishes with the same key (an encoder's reconnect, from another stack), and a
// new aiortc player must decode its picture: keyframe requests must reach the new session.
// Each client is a Python script under test/interop run as its own process (Debian's python3,
// GStreamer 1.22, aiortc 1.4); a missing one fails the test, it is not skipped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeDataChannel from 'node-datachannel';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomMediaPort } from '../helpers/server.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { account, joinSpace, once, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { DEBIAN_PYTHON, requirePython, startExternalClient, type ExternalClient } from '../helpers/external-client.js';
import type { PersonView } from '../../src/protocol/messages.js';
import { Vp8FrameAssembler, type Vp8Frame } from '../../src/egress/vp8-frame-assembler.js';
import { differencesFromBars, GARBLED_LEVELS } from '../helpers/smpte-bars.js';

const INTEROP = fileURLToPath(new URL('../interop/', import.meta.url));
const WIDTH = 320;
const HEIGHT = 240;
/** simple-whip-client's own example pipelines, at a small size: a 440 Hz sine and a bouncing ball. */
const AUDIO_PIPELINE =
  'audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! queue ! opusenc ! rtpopuspay pt=111 ! queue ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111';
const VIDEO_PIPELINE =
  `videotestsrc is-live=true pattern=ball ! video/x-raw,width=${WIDTH},height=${HEIGHT},framerate=15/1 ! videoconvert ! queue ! ` +
  'vp8enc deadline=1 ! rtpvp8pay pt=96 ! queue ! application/x-rtp,media=video,encoding-name=VP8,payload=96';
/** aiortc's picture: another size than GStreamer's, so the player shows whose frames it decoded. */
const AIORTC_WIDTH = 352;
const AIORTC_HEIGHT = 288;
/**
 * The H.264 the issue saw garbled: x264 with tune=zerolatency and sliced threads (four slices a
 * picture, as OBS's x264 makes them), packetized by rtph264pay with config-interval=-1, which
 * repeats SPS/PPS before every IDR slice, so between the slices of one picture.
 */
const H264_WIDTH = 640;
const H264_HEIGHT = 360;
const H264_PIPELINE =
  `videotestsrc is-live=true pattern=smpte ! video/x-raw,width=${H264_WIDTH},height=${H264_HEIGHT},framerate=30/1 ! ` +
  'x264enc tune=zerolatency sliced-threads=true threads=4 key-int-max=30 speed-preset=ultrafast bitrate=2000 ! ' +
  'video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt=102 mtu=1200 ! queue ! ' +
  'application/x-rtp,media=video,encoding-name=H264,payload=102';
const H264_FRAMES = 45;
/** What the publisher needs: GStreamer's Python bindings and every element of its pipelines. */
const GST_CHECK = [
  'import gi',
  "gi.require_version('Gst', '1.0')",
  "gi.require_version('GstWebRTC', '1.0')",
  "gi.require_version('GstSdp', '1.0')",
  'from gi.repository import Gst, GstWebRTC, GstSdp',
  'Gst.init(None)',
  "missing = [e for e in ['webrtcbin', 'nicesrc', 'nicesink', 'audiotestsrc', 'opusenc', 'rtpopuspay', 'videotestsrc', 'vp8enc', 'rtpvp8pay', 'x264enc', 'rtph264pay'] if Gst.ElementFactory.find(e) is None]",
  "assert not missing, f'GStreamer elements missing: {missing}'",
].join('\n');
/** Decoded frames of each kind the WHEP player must show: a few seconds of both. */
const PLAYER_FRAMES = 40;

/** Installed versions of the Debian packages the clients come from, for the test's diagnostics. */
function debianVersions(): string {
  const packages = ['libgstreamer1.0-0', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-nice', 'libnice10', 'python3-aiortc', 'simple-whip-client'];
  try {
    return execFileSync('dpkg-query', ['-W', ...packages], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .replace(/\n/g, ', ');
  } catch (err) {
    // dpkg-query exits 1 when one is missing but still prints the others.
    return String((err as { stdout?: string }).stdout ?? err)
      .trim()
      .replace(/\n/g, ', ');
  }
}

describe('interop: GStreamer webrtcbin as WHIP publisher, aiortc as WHEP player and WHIP publisher', () => {
  let server: ServerProcess;
  let dataDir: string;
  let spaceId: string;
  let hostId: string;
  let key: string;
  let listener: TestParticipant;
  let publisher: ExternalClient | null = null;
  const clients: ExternalClient[] = [];

  before(async () => {
    requirePython('import aiortc', 'python3-aiortc');
    requirePython(
      GST_CHECK,
      'python3-gi gir1.2-gst-plugins-bad-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-nice',
    );
    dataDir = mkdtempSync(join(tmpdir(), 'spaces-interop-clients-'));
    // Media on every address: libnice and aioice leave loopback out of their candidates, so a
    // server announcing only 127.0.0.1 would be out of their reach.
    server = await spawnServer({ dataDir, port: await freePort(), mediaPort: randomMediaPort(), env: { SPACES_MEDIA_BIND_ADDRESS: '' } });
    const host = await account(server, 'gst_host');
    hostId = (await host.me()).user.id;
    spaceId = (await host.createSpace('GStreamer and aiortc')).id;
    key = (await host.issueStreamKey(spaceId)).key;
    listener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    listener?.close();
    await server?.stop();
    nodeDataChannel.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const hostOnStage = (): PersonView | undefined => listener.state.space?.stage.find((p) => p.userId === hostId);
  const publisherEvent = (name: string) => publisher?.events.find((e) => e.event === name);
  /** What a client said last and what the listener got: a failure shows every side. */
  const said = (client: ExternalClient | null) =>
    `client exit ${client?.exit}: ${JSON.stringify(client?.events.filter((e) => e.event !== 'offer').slice(-6))}\n${client?.tail()}\n` +
    `listener: ${listener.peer.totalPackets()} audio packets, ${listener.peer.videoPackets} video packets, stage video ${listener.stageVideo.userId}`;
  const waitSaying = async (client: ExternalClient | null, cond: () => boolean, what: string) => {
    try {
      await waitFor(cond, 30_000, what);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${said(client)}`);
    }
  };
  const waitWithPublisher = (cond: () => boolean, what: string) => waitSaying(publisher, cond, what);

  /** Runs aiortc's WHEP player until it has decoded PLAYER_FRAMES of each kind (or gave up). */
  async function playOverWhep(): Promise<{ result: Record<string, unknown>; detail: string }> {
    const player = startExternalClient(DEBIAN_PYTHON, [
      join(INTEROP, 'aiortc_whep_player.py'),
      ...['--url', `${server.url}/whep/${spaceId}`, '--frames', String(PLAYER_FRAMES), '--timeout', '30'],
    ]);
    clients.push(player);
    // The script bounds itself (30 s); stop() is the backstop should it hang.
    const timer = setTimeout(() => void player.stop(), 45_000);
    await player.exited;
    clearTimeout(timer);
    const result = player.events.at(-1) ?? {};
    return { result: { ...result, exit: player.exit }, detail: `aiortc exit ${player.exit}: ${JSON.stringify(result)}\n${player.tail()}` };
  }

  const publishing = once(async () => {
    publisher = startExternalClient(DEBIAN_PYTHON, [
      join(INTEROP, 'gst_whip_publisher.py'),
      ...['--url', `${server.url}/whip/${spaceId}`, '--token', key, '--audio', AUDIO_PIPELINE, '--video', VIDEO_PIPELINE, '--timeout', '80'],
    ]);
    clients.push(publisher);
    await waitWithPublisher(() => publisherEvent('answered') !== undefined || publisher!.exit !== null, 'the WHIP answer');
    assert.equal(publisherEvent('answered')?.status, 201, `WHIP POST: ${JSON.stringify(publisherEvent('answered'))}\n${publisher!.tail()}`);
    await waitWithPublisher(() => hostOnStage()?.connected === true && hostOnStage()?.camera === true, 'the host on stage, connected, camera on');
  });

  const gstreamerStopped = once(async () => {
    await publishing();
    assert.equal(publisher!.exit, null, `the publisher still runs\n${publisher!.tail()}`);
    await publisher!.stop(10_000);
    const deleted = publisherEvent('deleted');
    assert.equal(deleted?.status, 200, `DELETE on SIGINT: ${JSON.stringify(publisher!.events.slice(-4))}\n${publisher!.tail()}`);
    assert.equal(publisher!.exit, 0, publisher!.tail());
    await waitFor(() => hostOnStage()?.connected === false, 10_000, 'the host shown disconnected');
    assert.equal(hostOnStage()?.camera, false, 'the camera went off with the session');
    await until(async () => (listener.stageVideo.userId !== hostId ? true : undefined), 10_000, "the host's camera leaving the stage-video slot");
  });

  it('GStreamer publishes VP8 and bundle-only Opus with trickled candidates; a listener hears the host and sees the stage video', async (t) => {
    await publishing();
    const versions = publisherEvent('versions');
    t.diagnostic(`${String(versions?.gstreamer)}; Debian: ${debianVersions()}`);
    const offer = String(publisherEvent('offer')?.sdp);
    // webrtcbin's max-bundle offer: video first, then the audio at port 0 with a=bundle-only (RFC 8843 §6).
    assert.match(offer, /m=video 9 [^\r]*\r\n/);
    assert.match(offer, /m=audio 0 [^\r]*\r\n(?:[^\r]*\r\n)*?a=bundle-only\r\n/, 'GStreamer offered its audio bundle-only');
    assert.doesNotMatch(offer, /a=candidate:/, 'the offer goes without candidates: they are trickled');
    await waitWithPublisher(() => publisher!.events.some((e) => e.event === 'trickled'), 'a trickled candidate');
    const trickles = publisher!.events.filter((e) => e.event === 'trickled');
    assert.ok(
      trickles.every((e) => e.status === 204),
      `every PATCH of candidates is a 204: ${JSON.stringify(trickles.filter((e) => e.status !== 204))}`,
    );

    await waitWithPublisher(() => listener.peer.totalPackets() >= 100, 'the listener hearing the host');
    await waitWithPublisher(() => listener.speaking.some((m) => m.speakers.some((s) => s.userId === hostId)), 'the host heard as speaking');
    await waitWithPublisher(() => listener.stageVideo.userId === hostId, "the host's camera on the stage-video slot");
    await waitWithPublisher(() => listener.peer.videoPackets >= 50, 'the stage video reaching the listener');
    const frames = listener.peer.videoLog.filter((r) => r.frameStart).length;
    const keyframes = listener.peer.videoLog.filter((r) => r.keyframeStart).length;
    assert.ok(keyframes > 0 && frames > keyframes, `VP8 frames arrive, starting with a keyframe (${frames} frames, ${keyframes} keyframes)`);
    t.diagnostic(`listener: ${listener.peer.totalPackets()} audio packets, ${listener.peer.videoPackets} video packets, ${frames} VP8 frames`);
  });

  it("aiortc's default WHEP offer (Opus without a=fmtp) plays the GStreamer broadcast: it decodes audio and video at the publisher's size", async (t) => {
    await publishing();
    const { result, detail } = await playOverWhep();
    t.diagnostic(`aiortc ${String(result.aiortc)}: ${JSON.stringify(result)}`);
    assert.equal(result.status, 201, detail);
    assert.equal(result.offerOpusFmtp, false, `aiortc's offer has no Opus a=fmtp line (the shape under test)\n${detail}`);
    assert.ok(Number(result.audioFrames) >= PLAYER_FRAMES, `decoded audio frames\n${detail}`);
    assert.ok(Number(result.videoFrames) >= PLAYER_FRAMES, `decoded video frames\n${detail}`);
    assert.equal(result.width, WIDTH, detail);
    assert.equal(result.height, HEIGHT, detail);
    assert.equal(result.sampleRate, 48_000, detail);
    assert.equal(result.deleted, 200, `the WHEP session DELETEd\n${detail}`);
    assert.equal(result.exit, 0, detail);
  });

  it('on ctrl-C (SIGINT) the GStreamer publisher DELETEs its session and the host goes off: disconnected, camera off', () => gstreamerStopped());

  it('aiortc publishes over WHIP with the same key, a reconnect: a listener hears its tone, sees its picture, and aiortc plays it back decoded', async (t) => {
    await gstreamerStopped();
    const encoder = startExternalClient(DEBIAN_PYTHON, [
      join(INTEROP, 'aiortc_whip_publisher.py'),
      ...['--url', `${server.url}/whip/${spaceId}`, '--token', key, '--width', String(AIORTC_WIDTH), '--height', String(AIORTC_HEIGHT), '--timeout', '60'],
    ]);
    clients.push(encoder);
    const waitWithEncoder = (cond: () => boolean, what: string) => waitSaying(encoder, cond, what);
    const audioBefore = listener.peer.totalPackets();
    const videoBefore = listener.peer.videoPackets;
    await waitWithEncoder(() => encoder.events.some((e) => e.event === 'answered') || encoder.exit !== null, 'the WHIP answer');
    assert.equal(encoder.events.find((e) => e.event === 'answered')?.status, 201, said(encoder));
    await waitWithEncoder(() => hostOnStage()?.connected === true && hostOnStage()?.camera === true, 'the host back on stage, camera on');
    await waitWithEncoder(() => listener.peer.totalPackets() >= audioBefore + 100, 'the listener hearing the tone');
    await waitWithEncoder(
      () => listener.stageVideo.userId === hostId && listener.peer.videoPackets >= videoBefore + 30,
      'the aiortc picture on the stage-video slot',
    );

    const { result, detail } = await playOverWhep();
    t.diagnostic(`aiortc publisher -> server -> aiortc player: ${JSON.stringify(result)}`);
    assert.ok(Number(result.audioFrames) >= PLAYER_FRAMES && Number(result.videoFrames) >= PLAYER_FRAMES, detail);
    assert.equal(result.width, AIORTC_WIDTH, detail);
    assert.equal(result.height, AIORTC_HEIGHT, detail);

    await encoder.stop(10_000);
    assert.equal(encoder.events.find((e) => e.event === 'deleted')?.status, 200, said(encoder));
    assert.equal(encoder.exit, 0, said(encoder));
    await waitFor(() => hostOnStage()?.connected === false, 10_000, 'the host shown disconnected again');
  });
  it('GStreamer publishes x264 with four slices a picture and SPS/PPS between them (rtph264pay config-interval=-1): every stage-video frame is the picture sent', async (t) => {
    // After the aiortc encoder has gone: the same key once more.
    await waitFor(() => hostOnStage()?.connected !== true, 20_000, 'the previous encoder gone');
    const frames: Vp8Frame[] = [];
    const assembler = new Vp8FrameAssembler();
    listener.peer.onRtp = (mid, packet) => {
      if (mid !== 'v0' || frames.length >= H264_FRAMES || listener.stageVideo.userId !== hostId) return;
      const frame = assembler.push(packet);
      // From the first keyframe of this encoder's picture on.
      if (frame && (frames.length > 0 || frame.keyframe)) frames.push(frame);
    };
    publisher = startExternalClient(DEBIAN_PYTHON, [
      join(INTEROP, 'gst_whip_publisher.py'),
      ...['--url', `${server.url}/whip/${spaceId}`, '--token', key, '--audio', AUDIO_PIPELINE, '--video', H264_PIPELINE, '--timeout', '60'],
    ]);
    clients.push(publisher);
    try {
      await waitWithPublisher(() => publisherEvent('answered') !== undefined || publisher!.exit !== null, 'the WHIP answer');
      assert.equal(publisherEvent('answered')?.status, 201, said(publisher));
      assert.match(String(publisherEvent('offer')?.sdp), /a=rtpmap:102 H264\/90000/, 'GStreamer offered H.264');
      await waitWithPublisher(() => frames.length >= H264_FRAMES, `${H264_FRAMES} stage-video frames of the H.264 publisher (${frames.length})`);
    } finally {
      listener.peer.onRtp = null;
    }
    const { differences, errors } = differencesFromBars(frames, H264_WIDTH, H264_HEIGHT);
    t.diagnostic(`mean luma difference from the bars per frame: ${differences.join(' ')}`);
    assert.equal(errors, '', 'ffmpeg decodes the VP8 without an error');
    const garbled = differences.filter((d) => d > GARBLED_LEVELS).length;
    assert.equal(garbled, 0, `frames that are not the bars sent, of ${differences.length}: ${differences.join(' ')}`);
    await publisher.stop(10_000);
    assert.equal(publisherEvent('deleted')?.status, 200, said(publisher));
  });
});
