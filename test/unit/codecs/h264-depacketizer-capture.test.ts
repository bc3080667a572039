// Real RTP from x264 with several slices per picture, packetized by GStreamer's rtph264pay with
// config-interval=-1, which puts SPS/PPS before every IDR slice, so between the slices of one
// picture (see test/fixtures/h264/README.md). What comes out of the depacketizer must decode,
// with ffmpeg, to exactly the pictures x264 made: same count, same pixels, no decode error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { H264Depacketizer } from '../../../src/codecs/h264-depacketizer.js';

const FIXTURES = new URL('../../fixtures/h264/', import.meta.url);
/** The MD5 of each picture x264 encoded, decoded from its own byte stream. */
const expectedFrames = readFileSync(new URL('x264-slices.framemd5', FIXTURES), 'utf8').trim().split('\n');

/** RFC 4571 framing (what GStreamer's rtpstreampay writes): a 2-byte length before each RTP packet. */
function* rtpPackets(file: string): Generator<Buffer> {
  const data = readFileSync(new URL(file, FIXTURES));
  for (let at = 0; at + 2 <= data.length;) {
    const size = data.readUInt16BE(at);
    yield data.subarray(at + 2, at + 2 + size);
    at += 2 + size;
  }
}

function depacketize(file: string): { units: Buffer[]; pictures: number } {
  const units: Buffer[] = [];
  const d = new H264Depacketizer((unit) => units.push(unit.data));
  const timestamps = new Set<number>();
  for (const p of rtpPackets(file)) {
    const payloadStart = 12 + 4 * (p[0]! & 0x0f);
    const timestamp = p.readUInt32BE(4);
    timestamps.add(timestamp);
    d.push(p.subarray(payloadStart), p.readUInt16BE(2), timestamp, (p[1]! & 0x80) !== 0);
  }
  return { units, pictures: timestamps.size };
}

/** ffmpeg decodes the Annex B stream: one MD5 per decoded picture, and whatever it complained about. */
function decode(annexB: Buffer): Promise<{ frames: string[]; errors: string }> {
  // prettier-ignore
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-err_detect', 'explode',
    '-f', 'h264', '-i', 'pipe:0', '-f', 'framemd5', 'pipe:1'];
  const child = spawn('ffmpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  let out = '';
  let errors = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(annexB);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(kill);
      const frames = out
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(',').at(-1)!.trim());
      resolve({ frames, errors });
    });
  });
}

describe('H264Depacketizer on a real multi-slice capture', () => {
  for (const file of ['x264-slices-aggregate-none.rtp', 'x264-slices-aggregate-zero-latency.rtp']) {
    it(`${file}: one access unit per picture, every picture decodes as x264 made it`, async () => {
      const { units, pictures } = depacketize(file);
      assert.equal(pictures, expectedFrames.length);
      assert.equal(units.length, pictures, 'one access unit per RTP timestamp');
      const { frames, errors } = await decode(Buffer.concat(units));
      assert.equal(errors, '', 'ffmpeg reports no decode error');
      const readable = frames.filter((md5, i) => md5 === expectedFrames[i]).length;
      assert.equal(frames.length, pictures, 'as many decoded frames as pictures sent');
      assert.equal(readable, pictures, 'every decoded frame is the picture x264 encoded');
    });
  }
});
