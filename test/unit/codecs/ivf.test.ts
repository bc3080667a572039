// IVF: what we write reads back the same, and input that is not IVF is refused rather than
// read as frames.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  IVF_FILE_HEADER_BYTES,
  IVF_FRAME_HEADER_BYTES,
  isVp8Keyframe,
  readIvf,
  writeIvfFileHeader,
  writeIvfFrameHeader,
  type IvfHeader,
} from '../../../src/codecs/ivf.js';

const header: IvfHeader = { fourcc: 'VP80', width: 640, height: 360, timebaseDen: 30, timebaseNum: 1, frameCount: 3 };

function ivf(frames: Array<{ pts: number; data: Buffer }>, h: IvfHeader = header): Buffer {
  return Buffer.concat([writeIvfFileHeader(h), ...frames.flatMap((f) => [writeIvfFrameHeader(f.data.length, f.pts), f.data])]);
}

describe('IVF', () => {
  const frames = [
    { pts: 0, data: Buffer.from([0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 1, 2, 3]) },
    { pts: 1, data: Buffer.from([0x31, 9, 8, 7]) },
    { pts: 2 ** 40, data: Buffer.from([0x11]) }, // beyond 32 bits: the pts field is 64-bit
  ];

  it('reads back what it wrote', () => {
    const buf = ivf(frames);
    assert.equal(buf.length, IVF_FILE_HEADER_BYTES + frames.length * IVF_FRAME_HEADER_BYTES + 14);
    assert.equal(buf.toString('latin1', 0, 4), 'DKIF');
    const back = readIvf(buf);
    assert.deepEqual(back.header, header);
    assert.equal(back.frames.length, 3);
    back.frames.forEach((f, i) => {
      assert.equal(f.pts, frames[i]!.pts);
      assert.ok(f.data.equals(frames[i]!.data), `frame ${i} bytes`);
    });
    assert.deepEqual(
      back.frames.map((f) => isVp8Keyframe(f.data)),
      [true, false, false],
    );
  });

  it('keeps the fourcc and dimensions of another codec', () => {
    const h = { ...header, fourcc: 'VP90', width: 1920, height: 1080, timebaseDen: 1000 };
    assert.deepEqual(readIvf(ivf([], h)).header, h);
  });

  it('throws on input that is not IVF', () => {
    assert.throws(() => readIvf(Buffer.alloc(0)), /not an IVF file/);
    assert.throws(() => readIvf(ivf(frames).subarray(0, IVF_FILE_HEADER_BYTES - 1)), /not an IVF file/);
    const wrongMagic = ivf(frames);
    wrongMagic.write('RIFF', 0, 'latin1');
    assert.throws(() => readIvf(wrongMagic), /not an IVF file/);
    assert.throws(() => readIvf(Buffer.from('DKIF but then nothing much')), /not an IVF file/);
  });

  it('stops before a truncated last frame instead of reading past the end', () => {
    const buf = ivf(frames);
    const cut = readIvf(buf.subarray(0, buf.length - 1));
    assert.equal(cut.frames.length, 2);
    const headerOnly = readIvf(buf.subarray(0, buf.length - 1 - IVF_FRAME_HEADER_BYTES + 4));
    assert.equal(headerOnly.frames.length, 2, 'a partial frame header is no frame');
  });

  it('says an empty frame is not a keyframe', () => {
    assert.equal(isVp8Keyframe(Buffer.alloc(0)), false);
  });
});
