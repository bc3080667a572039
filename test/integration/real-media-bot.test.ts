// A bot publishes real media through the server: espeak-ng speech as Opus and a libvpx test
// pattern as VP8, over node-datachannel. A listener must get both intact: Opus that decodes
// to audible speech, and a stage-video stream that starts on a keyframe and whose frames are
// the clip's own bytes, which ffmpeg decodes without an error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpusScript from 'opusscript';
import { startTestServer } from '../helpers/server.js';
import { account, joinSpace, waitFor, type TestParticipant } from '../helpers/clients.js';
import { speechWav, testPatternIvf } from '../helpers/media-fixtures.js';
import { loadSpeechClip, loadVp8Clip, type SpeechClip, type Vp8Clip } from '../../src/bots/media-clip.js';
import { rtpMarker, rtpPayloadOffset, rtpSequence, rtpTimestamp } from '../../src/wire/rtp.js';
import { createVp8Descriptor, parseVp8 } from '../../src/wire/vp8.js';
import { isVp8Keyframe, writeIvfFileHeader, writeIvfFrameHeader } from '../../src/codecs/ivf.js';
import type { RunningServer } from '../../src/server.js';

const run = promisify(execFile);
const STAGE_VIDEO_MID = 'v0';
const sha = (b: Buffer) => createHash('sha1').update(b).digest('hex');

describe('a bot that publishes real media', () => {
  let server: RunningServer;
  let host: TestParticipant;
  let listener: TestParticipant;
  let speech: SpeechClip;
  let video: Vp8Clip;
  const audio: Buffer[] = [];
  const videoPackets: Buffer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'real-media-bot-'));

  before(async () => {
    [speech, video] = await Promise.all([
      speechWav('Hello, this is a bot speaking real words on the stage.').then(loadSpeechClip),
      testPatternIvf({ seconds: 2 }).then(loadVp8Clip),
    ]);
    server = await startTestServer();
    const hostApi = await account(server, 'clip_host');
    const spaceId = (await hostApi.createSpace('Real media')).id;
    host = await joinSpace(server, spaceId, { api: hostApi });
    listener = await joinSpace(server, spaceId, { guest: true, canPublish: false });
    listener.peer.onRtp = (mid, pkt) => (mid === STAGE_VIDEO_MID ? videoPackets : audio).push(pkt);
    await waitFor(() => host.peer.state === 'connected' && listener.peer.state === 'connected', 15_000, 'connected');
    await waitFor(() => host.state.you?.role !== 'listener', 3000, 'host on stage');
    await host.signalling.act({ action: 'setCamera', on: true });
    host.peer.startSendingClip(speech);
    host.peer.startCameraClip(video);
  });

  after(async () => {
    host?.close();
    listener?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the listener hears the speech: the Opus it receives decodes to audible PCM', async () => {
    await waitFor(() => audio.length >= 100, 15_000, '2 s of forwarded audio');
    const clipFrames = new Set(speech.frames.map((f) => sha(f.opus)));
    const decoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
    let loudest = 0;
    try {
      for (const pkt of [...audio].sort((a, b) => ((rtpSequence(a) - rtpSequence(b) + 0x8000) & 0xffff) - 0x8000)) {
        const payload = pkt.subarray(rtpPayloadOffset(pkt));
        assert.ok(clipFrames.has(sha(payload)), 'the payload is one of the clip frames, untouched');
        const pcm = decoder.decode(payload);
        assert.equal(pcm.length, 960 * 2, '20 ms per packet');
        let sum = 0;
        for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
        loudest = Math.max(loudest, Math.sqrt(sum / 960));
      }
    } finally {
      decoder.delete();
    }
    // espeak-ng normalised to -3 dBFS peaks: its vowels are thousands of LSB RMS; silence is 0.
    assert.ok(loudest > 1000, `decoded speech is not silent (loudest frame RMS ${loudest.toFixed(0)})`);
  });

  it('the listener sees the camera: the stage-video slot starts on a keyframe and carries the clip frames intact', async () => {
    await waitFor(() => listener.stageVideo.userId === host.state.you!.userId, 8000, 'stage video shows the host');
    await waitFor(() => videoPackets.filter(rtpMarker).length >= 45, 15_000, '45 frames of stage video');
    const desc = createVp8Descriptor();
    const first = videoPackets[0]!;
    assert.ok(parseVp8(first, rtpPayloadOffset(first), desc));
    assert.ok(desc.keyframeStart, 'the first packet starts a keyframe');

    // Put frames back together from the payloads after the descriptor (ours is 4 bytes; the
    // server rewrites picture IDs in place, so the length does not change).
    const frames: Buffer[] = [];
    let parts: Buffer[] = [];
    let ts = rtpTimestamp(first);
    for (const pkt of videoPackets) {
      const at = rtpPayloadOffset(pkt);
      assert.ok(parseVp8(pkt, at, desc));
      if (rtpTimestamp(pkt) !== ts) {
        assert.equal(parts.length, 0, 'every frame ends with a marker before the next one starts');
        ts = rtpTimestamp(pkt);
      }
      assert.equal(parts.length === 0, desc.frameStart, 'S set exactly on the first packet of each frame');
      parts.push(pkt.subarray(at + 4));
      if (rtpMarker(pkt)) {
        frames.push(Buffer.concat(parts));
        parts = [];
      }
    }
    assert.ok(isVp8Keyframe(frames[0]!), 'the first frame is a keyframe');
    const clipIndex = new Map(video.frames.map((f, i) => [sha(f.data), i]));
    const indices = frames.map((f) => clipIndex.get(sha(f)));
    assert.ok(
      indices.every((i) => i !== undefined),
      'every received frame is a clip frame, byte for byte',
    );
    assert.ok(video.keyframeIndices.includes(indices[0]!), 'and the first is one of its keyframes');

    const ivf = join(dir, 'received.ivf');
    const header = writeIvfFileHeader({ fourcc: 'VP80', width: video.width, height: video.height, timebaseDen: 30, timebaseNum: 1, frameCount: frames.length });
    writeFileSync(ivf, Buffer.concat([header, ...frames.flatMap((f, i) => [writeIvfFrameHeader(f.length, i), f])]));
    const { stdout, stderr } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', ivf, '-f', 'framecrc', '-']);
    assert.equal(stderr.trim(), '', 'ffmpeg decodes the received stream without an error');
    const decoded = stdout.split('\n').filter((l) => l && !l.startsWith('#')).length;
    assert.equal(decoded, frames.length, 'every received frame decodes');
  });
});
