// Clips of real media for bots: speech becomes decodable Opus with levels that tell a tone
// from silence; VP8 clips loop with continuous timestamps and answer a PLI with a keyframe.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpusScript from 'opusscript';
import {
  MIC_PAYLOAD_AT,
  OpusClipPlayer,
  VOICE_LEVEL_BELOW,
  Vp8ClipPlayer,
  audioLevel,
  loadSpeechClip,
  loadVp8Clip,
  opusSilenceFrame,
  type Vp8Clip,
} from '../../../src/bots/media-clip.js';
import { writeIvfFileHeader, writeIvfFrameHeader } from '../../../src/codecs/ivf.js';
import { createVp8Descriptor, parseVp8 } from '../../../src/wire/vp8.js';
import { rtpMarker, rtpTimestamp } from '../../../src/wire/rtp.js';
import { testPatternIvf } from '../../helpers/media-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'media-clip-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 16-bit PCM WAV: `toneSeconds` of a 440 Hz sine at half scale, then `silenceSeconds` of zeros. */
function toneThenSilenceWav(name: string, rate: number, channels: number, toneSeconds: number, silenceSeconds: number): string {
  const toneFrames = Math.round(rate * toneSeconds);
  const frames = toneFrames + Math.round(rate * silenceSeconds);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < toneFrames; i++) {
    const v = Math.round(16384 * Math.sin((2 * Math.PI * 440 * i) / rate));
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([h, data]));
  return path;
}

function rms(pcm: Buffer): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(sum / (pcm.length / 2));
}

describe('speech clips', () => {
  it('measures RFC 6464 levels: a half-scale sine is -9 dBov, digital silence 127', () => {
    const sine = Int16Array.from({ length: 960 }, (_, i) => Math.round(16384 * Math.sin((2 * Math.PI * 440 * i) / 48000)));
    assert.equal(audioLevel(sine), 9);
    assert.equal(audioLevel(new Int16Array(960)), 127);
    assert.equal(audioLevel(Int16Array.from({ length: 960 }, () => 1)), 90, 'one LSB is -90 dBov, still not silence');
    assert.equal(audioLevel(Int16Array.from({ length: 960 }, (_, i) => (i % 2 ? 32767 : -32768))), 0);
  });

  it('gives the tone low levels with the voice bit and silence 127, and every frame decodes to 960 samples', async () => {
    const clip = await loadSpeechClip(toneThenSilenceWav('tone.wav', 48000, 1, 1, 1));
    assert.equal(clip.frames.length, 100);
    assert.equal(clip.durationMs, 2000);
    const tone = clip.frames.slice(0, 50);
    const silence = clip.frames.slice(50);
    assert.ok(
      tone.every((f) => f.level === 9 && f.voice),
      'tone frames at -9 dBov, voiced',
    );
    assert.ok(
      silence.every((f) => f.level === 127 && !f.voice),
      'silent frames at 127, not voiced',
    );
    const decoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
    try {
      const decoded = clip.frames.map((f) => decoder.decode(f.opus));
      assert.ok(
        decoded.every((pcm) => pcm.length === 960 * 2),
        'every frame decodes to 960 samples',
      );
      // The codec's delay smears the first and last few ms; the middle of each part is clear.
      assert.ok(
        decoded.slice(5, 45).every((pcm) => rms(pcm) > 5000),
        'the tone decodes loud',
      );
      assert.ok(
        decoded.slice(60).every((pcm) => rms(pcm) < 50),
        'the silence decodes silent',
      );
    } finally {
      decoder.delete();
    }
  });

  it('converts a WAV that is not 48 kHz mono with ffmpeg first', async () => {
    const clip = await loadSpeechClip(toneThenSilenceWav('tone-16k-stereo.wav', 16000, 2, 1, 1));
    assert.ok(Math.abs(clip.frames.length - 100) <= 1, `${clip.frames.length} frames for 2 s`);
    assert.ok(clip.frames.slice(2, 48).every((f) => f.level < VOICE_LEVEL_BELOW && f.voice));
    assert.ok(clip.frames.slice(52, 98).every((f) => f.level === 127));
  });

  it('plays frames in order, loops or ends, and sends silence while paused', async () => {
    const clip = await loadSpeechClip(toneThenSilenceWav('short.wav', 48000, 1, 0.04, 0.02));
    assert.equal(clip.frames.length, 3);
    const once = new OpusClipPlayer(clip, false);
    const levels = [0, 1, 2].map(() => once.next()![17]!);
    assert.deepEqual(
      levels,
      clip.frames.map((f) => (f.voice ? 0x80 : 0) | f.level),
    );
    assert.equal(once.next(), null, 'a clip that does not loop ends');
    assert.ok(once.finished);

    const looping = new OpusClipPlayer(clip);
    const first = looping.next()!;
    assert.ok(first.subarray(MIC_PAYLOAD_AT).equals(clip.frames[0]!.opus));
    looping.paused = true;
    const quiet = looping.next()!;
    assert.equal(quiet[17], 127, 'level 127 while paused');
    assert.ok(quiet.subarray(MIC_PAYLOAD_AT).equals(opusSilenceFrame()));
    looping.paused = false;
    assert.ok(looping.next()!.subarray(MIC_PAYLOAD_AT).equals(clip.frames[1]!.opus), 'resumes where it was');
    looping.next();
    assert.ok(looping.next()!.subarray(MIC_PAYLOAD_AT).equals(clip.frames[0]!.opus), 'loops');
  });

  it('has an Opus silence frame that decodes to 960 silent samples', () => {
    const decoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
    try {
      const pcm = decoder.decode(opusSilenceFrame());
      assert.equal(pcm.length, 960 * 2);
      assert.ok(rms(pcm) < 1);
    } finally {
      decoder.delete();
    }
  });
});

/** A hand-made clip: keyframes (first byte's bit 0 clear) where `keys` says, frames of 2500 bytes. */
function fakeClip(count: number, keys: number[], fps = 30): Vp8Clip {
  const frames = Array.from({ length: count }, (_, i) => {
    const data = Buffer.alloc(2500, i);
    data[0] = keys.includes(i) ? 0x10 : 0x11;
    return { data, keyframe: keys.includes(i) };
  });
  return { width: 64, height: 64, fps, frames, keyframeIndices: keys };
}

function pli(mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x81;
  b[1] = 206;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(1, 4);
  b.writeUInt32BE(mediaSsrc, 8);
  return b;
}

/** Sends one frame and says which clip frame went out (the fill byte) and whether it is a keyframe start. */
function tick(player: Vp8ClipPlayer): { index: number; key: boolean; ts: number; packets: number } {
  const desc = createVp8Descriptor();
  const pkts: Buffer[] = [];
  player.sendFrame((p) => pkts.push(Buffer.from(p)));
  assert.ok(parseVp8(pkts[0]!, 12, desc));
  assert.ok(rtpMarker(pkts.at(-1)!));
  return { index: pkts[0]![17]!, key: desc.keyframeStart, ts: rtpTimestamp(pkts[0]!), packets: pkts.length };
}

describe('VP8 clips', () => {
  it('loops with a continuous 90 kHz timestamp', () => {
    const player = new Vp8ClipPlayer(fakeClip(3, [0]), 42);
    const sent = Array.from({ length: 7 }, () => tick(player));
    assert.deepEqual(
      sent.map((s) => s.index),
      [0, 1, 2, 0, 1, 2, 0],
    );
    assert.deepEqual(
      sent.map((s) => s.key),
      [true, false, false, true, false, false, true],
    );
    for (let i = 1; i < sent.length; i++) assert.equal((sent[i]!.ts - sent[i - 1]!.ts) >>> 0, 3000, 'one frame at 30 fps');
    assert.equal(sent[0]!.packets, 3, 'a 2500-byte frame in 1100-byte packets');
  });

  it('jumps to the next keyframe on a PLI for its SSRC, wrapping around, and ignores others', () => {
    const player = new Vp8ClipPlayer(fakeClip(10, [0, 4]), 42);
    assert.equal(tick(player).index, 0);
    assert.equal(tick(player).index, 1);
    player.onRtcp(pli(43));
    assert.equal(tick(player).index, 2, 'a PLI for another SSRC changes nothing');
    player.onRtcp(Buffer.concat([Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]), pli(42)]));
    assert.equal(player.plisReceived, 1);
    const next = tick(player);
    assert.deepEqual([next.index, next.key], [4, true], 'the next frame is the next keyframe');
    tick(player);
    tick(player);
    player.onRtcp(pli(42));
    const wrapped = tick(player);
    assert.deepEqual([wrapped.index, wrapped.key], [0, true], 'past the last keyframe it wraps to the first');
    assert.equal(player.keyframeJumps, 2);
  });

  it('loads an ffmpeg-made IVF with its size, frame rate and keyframes', async () => {
    const clip = await loadVp8Clip(await testPatternIvf({ width: 320, height: 180, fps: 30, seconds: 2 }));
    assert.deepEqual([clip.width, clip.height, clip.fps, clip.frames.length], [320, 180, 30, 60]);
    assert.deepEqual(clip.keyframeIndices, [0, 30]);
    assert.ok(clip.frames.every((f, i) => f.keyframe === (i % 30 === 0)));
  });

  it('refuses a clip that does not start with a keyframe', async () => {
    const path = join(dir, 'delta-first.ivf');
    const delta = Buffer.from([0x11, 0, 0]);
    writeFileSync(
      path,
      Buffer.concat([
        writeIvfFileHeader({ fourcc: 'VP80', width: 64, height: 64, timebaseDen: 30, timebaseNum: 1, frameCount: 1 }),
        writeIvfFrameHeader(3, 0),
        delta,
      ]),
    );
    await assert.rejects(loadVp8Clip(path), /keyframe/);
  });
});
