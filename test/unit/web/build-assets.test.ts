// The web build's own steps: the .br/.gz copies written next to the text assets, and the
// link-preview PNG (a valid PNG of the right size, the brand gradient with the white mark).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, crc32, gunzipSync, inflateSync } from 'node:zlib';
import { precompressDir } from '../../../web/tooling/precompress.js';
import { PREVIEW_HEIGHT, PREVIEW_WIDTH, renderPreviewPng } from '../../../web/tooling/preview-image.js';

describe('precompressDir', () => {
  it('writes smaller .br and .gz copies of text assets, and skips maps, images and tiny files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spaces-precompress-'));
    try {
      mkdirSync(join(dir, 'assets'));
      const js = `export const words = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `word${i % 37}`))};\n`;
      const css = '.a { color: red; }\n'.repeat(100);
      writeFileSync(join(dir, 'assets/index-AbCd1234.js'), js);
      writeFileSync(join(dir, 'assets/index-AbCd1234.css'), css);
      writeFileSync(join(dir, 'assets/index-AbCd1234.js.map'), js);
      writeFileSync(join(dir, 'preview.png'), Buffer.alloc(4096));
      writeFileSync(join(dir, 'tiny.js'), 'x()');
      const done = await precompressDir(dir);
      assert.deepEqual(done, [join(dir, 'assets/index-AbCd1234.css'), join(dir, 'assets/index-AbCd1234.js')]);
      for (const [name, text] of [
        ['assets/index-AbCd1234.js', js],
        ['assets/index-AbCd1234.css', css],
      ] as const) {
        const br = readFileSync(join(dir, `${name}.br`));
        const gz = readFileSync(join(dir, `${name}.gz`));
        assert.ok(br.length < text.length && gz.length < text.length, name);
        assert.equal(brotliDecompressSync(br).toString(), text);
        assert.equal(gunzipSync(gz).toString(), text);
      }
      for (const name of ['assets/index-AbCd1234.js.map.br', 'preview.png.br', 'preview.png.gz', 'tiny.js.br', 'tiny.js.gz']) {
        assert.equal(existsSync(join(dir, name)), false, name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The chunks of a PNG, each checked against its CRC. */
function chunks(png: Buffer): Map<string, Buffer[]> {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const out = new Map<string, Buffer[]>();
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `CRC of ${type}`);
    out.set(type, [...(out.get(type) ?? []), data]);
    at += 12 + length;
  }
  return out;
}

describe('the link-preview image', () => {
  it('is a 1200×630 RGB PNG: the gradient in the corners, the white mark in the middle', () => {
    const parts = chunks(renderPreviewPng());
    const ihdr = parts.get('IHDR')![0]!;
    assert.equal(ihdr.readUInt32BE(0), PREVIEW_WIDTH);
    assert.equal(ihdr.readUInt32BE(4), PREVIEW_HEIGHT);
    assert.deepEqual([ihdr[8], ihdr[9]], [8, 2], '8-bit RGB');
    assert.ok(parts.has('IEND'));
    // Undo the per-row filters (the encoder uses Sub; None is handled for completeness).
    const raw = inflateSync(Buffer.concat(parts.get('IDAT')!));
    const stride = PREVIEW_WIDTH * 3;
    const px = Buffer.alloc(stride * PREVIEW_HEIGHT);
    for (let y = 0; y < PREVIEW_HEIGHT; y++) {
      const filter = raw[y * (stride + 1)]!;
      assert.ok(filter === 0 || filter === 1, `row ${y} filter ${filter}`);
      for (let i = 0; i < stride; i++) {
        const left = filter === 1 && i >= 3 ? px[y * stride + i - 3]! : 0;
        px[y * stride + i] = (raw[y * (stride + 1) + 1 + i]! + left) & 0xff;
      }
    }
    const at = (x: number, y: number) => [...px.subarray((y * PREVIEW_WIDTH + x) * 3, (y * PREVIEW_WIDTH + x) * 3 + 3)];
    assert.deepEqual(at(0, 0), [0x8b, 0x6c, 0xff], 'top left: the gradient starts at #8b6cff');
    const end = at(PREVIEW_WIDTH - 1, PREVIEW_HEIGHT - 1);
    assert.ok(Math.abs(end[0]! - 0x5b) <= 1 && Math.abs(end[1]! - 0x36) <= 1 && Math.abs(end[2]! - 0xf0) <= 1, `bottom right ${end}`);
    // The middle bar of the mark runs through the centre.
    assert.deepEqual(at(PREVIEW_WIDTH / 2, PREVIEW_HEIGHT / 2), [255, 255, 255]);
  });
});
