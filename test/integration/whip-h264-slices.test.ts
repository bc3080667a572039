// OBS-shaped H.264 from a real encoder: GStreamer's x264 with tune=zerolatency and sliced
// threads (four slices per picture, as OBS's x264 makes them), packetized by rtph264pay with
// config-interval=-1, which repeats SPS/PPS before every IDR slice, so between the slices of one
// picture. The RTP goes to the server over libdatachannel, OBS's own WHIP stack (Debian 12's
// simple-whip-client aborts at start: GStreamer's nice plugin loads libsoup 3 into a client
// linked with libsoup 2). The server transcodes it to VP8; the stage video a viewer receives,
// decoded by ffmpeg, must be the picture sent (SMPTE bars, compared with the bars GStreamer
// renders) in every frame, with no decode error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { randomMediaPort } from '../helpers/server.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { trickledSession } from '../helpers/trickled-offer.js';
import { differencesFromBars, GARBLED_LEVELS } from '../helpers/smpte-bars.js';
import { Vp8FrameAssembler, type Vp8Frame } from '../../src/egress/vp8-frame-assembler.js';

const W = 640;
const H = 360;
const FRAMES = 45;
const VIDEO_SSRC = 0x0b5e1264;
/** x264 as OBS runs it for WebRTC, its RTP as GStreamer's WHIP clients packetize it, to `port`. */
const encoderArgs = (port: number) =>
  [
    '-q', 'videotestsrc', 'is-live=true', 'pattern=smpte', '!', `video/x-raw,width=${W},height=${H},framerate=30/1`, '!',
    'x264enc', 'tune=zerolatency', 'sliced-threads=true', 'threads=4', 'key-int-max=30', 'speed-preset=ultrafast', 'bitrate=2000', '!',
    'video/x-h264,profile=constrained-baseline', '!',
    'rtph264pay', 'config-interval=-1', 'pt=96', 'mtu=1200', '!', 'udpsink', 'host=127.0.0.1', `port=${port}`,
  ]; // prettier-ignore

describe('WHIP H.264 with several slices per picture and SPS/PPS between them (x264, rtph264pay, libdatachannel)', () => {
  let server: ServerProcess;
  let dataDir: string;
  let viewer: TestParticipant;
  let publisher: PeerConnection | null = null;
  const tracks: Track[] = [];
  let rtpIn: Socket | null = null;
  let encoder: ChildProcess | null = null;
  let encoderLog = '';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'spaces-h264-'));
    server = await spawnServer({ dataDir, port: await freePort(), mediaPort: randomMediaPort() });
  });

  after(async () => {
    if (encoder && encoder.exitCode === null && encoder.signalCode === null) {
      const gone = new Promise((r) => encoder!.once('exit', r));
      encoder.kill('SIGINT');
      const kill = setTimeout(() => encoder!.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(kill);
    }
    rtpIn?.close();
    for (const track of tracks) track.close();
    publisher?.close();
    viewer?.close();
    await server?.stop();
    nodeDataChannel.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('every stage-video frame a viewer receives decodes to the picture sent', async () => {
    const host = await account(server);
    const spaceId = (await host.createSpace('Sliced H.264')).id;
    const key = (await host.issueStreamKey(spaceId)).key;
    viewer = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    const assembler = new Vp8FrameAssembler();
    const frames: Vp8Frame[] = [];
    viewer.peer.onRtp = (mid, packet) => {
      if (mid !== 'v0' || frames.length >= FRAMES) return;
      const frame = assembler.push(packet);
      if (frame) frames.push(frame);
    };

    // The publisher's offer as OBS makes it: Opus and H.264 in packetization-mode 1.
    publisher = new nodeDataChannel.PeerConnection('whip-x264', { iceServers: [], disableAutoNegotiation: true });
    const audio = new nodeDataChannel.Audio('0', 'SendOnly');
    audio.addOpusCodec(111);
    audio.addSSRC(VIDEO_SSRC + 1, 'obs');
    const video = new nodeDataChannel.Video('1', 'SendOnly');
    video.addH264Codec(96, 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1');
    video.addSSRC(VIDEO_SSRC, 'obs');
    tracks.push(publisher.addTrack(audio));
    const camera = publisher.addTrack(video);
    tracks.push(camera);
    for (const t of tracks) t.onClosed(() => undefined);
    const session = await trickledSession(`${server.url}/whip/${spaceId}`, publisher, { bearer: key });
    assert.equal(session.status, 201, session.body);
    await waitFor(() => camera.isOpen(), 20_000, 'the H.264 track open');

    // The encoder's RTP, as it is but for the SSRC the offer announced.
    rtpIn = createSocket('udp4');
    rtpIn.on('message', (packet) => {
      packet.writeUInt32BE(VIDEO_SSRC, 8);
      if (camera.isOpen()) camera.sendMessageBinary(packet);
    });
    await new Promise<void>((resolve) => rtpIn!.bind(0, '127.0.0.1', resolve));
    encoder = spawn('gst-launch-1.0', encoderArgs(rtpIn.address().port), { stdio: ['ignore', 'ignore', 'pipe'] });
    encoder.stderr!.on('data', (c: Buffer) => (encoderLog = (encoderLog + c.toString()).slice(-2000)));

    await waitFor(
      () => frames.length >= FRAMES,
      30_000,
      `${FRAMES} stage-video frames from the H.264 publisher (${frames.length}); gst-launch said: ${encoderLog}`,
    );
    assert.ok(frames[0]!.keyframe, 'the stage video starts with a keyframe');
    const { differences, errors } = differencesFromBars(frames, W, H);
    assert.equal(errors, '', 'ffmpeg decodes the VP8 without an error');
    // A clean transcode of still bars is within a level or two everywhere; a picture split at
    // its parameter sets has slices concealed (grey, or another picture's), tens of levels off.
    const garbled = differences.filter((d) => d > GARBLED_LEVELS).length;
    assert.equal(garbled, 0, `frames that are not the bars sent, of ${differences.length} (mean luma differences: ${differences.join(' ')})`);
  });
});
