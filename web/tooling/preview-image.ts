// The link-preview image (Open Graph / Twitter card) of every Space: 1200×630, the brand's
// violet gradient with the app's sound-wave mark in white. Drawn and PNG-encoded here with
// node:zlib alone, at build time, into the web app's root as /preview.png. Each Space's title,
// host and state go into the page's meta tags beside it (src/api/page-shell.ts): rendering
// text into the image would need a font rasteriser, which is more than a preview is worth.
import { deflateSync } from 'node:zlib';
import type { Plugin } from 'vite';

export const PREVIEW_WIDTH = 1200;
export const PREVIEW_HEIGHT = 630;

type Rgb = [number, number, number];

// The brand mark's gradient (.brand-mark in chrome.css).
const FROM: Rgb = [0x8b, 0x6c, 0xff];
const TO: Rgb = [0x5b, 0x36, 0xf0];
// The favicon's bars (index.html): x, top and bottom in its 32-unit box, stroke 2.4, round caps.
const BARS: Array<[number, number, number]> = [
  [9, 13, 19],
  [13, 10, 22],
  [17, 12, 20],
  [21, 9, 23],
  [25, 14, 18],
];
const UNIT = 17;
const STROKE = 2.4;

/** How much of the pixel centred at (x, y) the bars cover, 0..1 (a one-pixel ramp at the edges). */
function barCoverage(x: number, y: number): number {
  let best = 0;
  for (const [bx, top, bottom] of BARS) {
    const cx = PREVIEW_WIDTH / 2 + (bx - 17) * UNIT;
    const y1 = PREVIEW_HEIGHT / 2 + (top - 16) * UNIT;
    const y2 = PREVIEW_HEIGHT / 2 + (bottom - 16) * UNIT;
    const dy = y < y1 ? y1 - y : y > y2 ? y - y2 : 0;
    const distance = Math.hypot(x - cx, dy) - (STROKE * UNIT) / 2;
    best = Math.max(best, Math.min(1, Math.max(0, 0.5 - distance)));
  }
  return best;
}

/** Inside the mark's bounding box (with a pixel to spare): only there can bars cover anything. */
function inMark(x: number, y: number): boolean {
  const half = (STROKE / 2) * UNIT + 1;
  return Math.abs(x - PREVIEW_WIDTH / 2) <= 8 * UNIT + half && Math.abs(y - PREVIEW_HEIGHT / 2) <= 7 * UNIT + half;
}

/** The image's pixels, RGB, row by row. */
export function renderPreviewPixels(): Buffer {
  const px = Buffer.alloc(PREVIEW_WIDTH * PREVIEW_HEIGHT * 3);
  const span = PREVIEW_WIDTH + PREVIEW_HEIGHT;
  for (let y = 0; y < PREVIEW_HEIGHT; y++) {
    for (let x = 0; x < PREVIEW_WIDTH; x++) {
      const t = (x + y) / span;
      const a = inMark(x, y) ? barCoverage(x + 0.5, y + 0.5) : 0;
      const i = (y * PREVIEW_WIDTH + x) * 3;
      for (let k = 0; k < 3; k++) {
        const bg = FROM[k]! + (TO[k]! - FROM[k]!) * t;
        px[i + k] = Math.round(bg + (255 - bg) * a);
      }
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGB PNG of `rgb` (width × height × 3 bytes). */
export function encodePng(rgb: Buffer, width: number, height: number): Buffer {
  const stride = width * 3;
  // Every row with the Sub filter: a gradient becomes runs of small equal steps, which deflate well.
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    filtered[row] = 1;
    for (let i = 0; i < stride; i++) {
      const left = i >= 3 ? rgb[y * stride + i - 3]! : 0;
      filtered[row + 1 + i] = (rgb[y * stride + i]! - left) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function renderPreviewPng(): Buffer {
  return encodePng(renderPreviewPixels(), PREVIEW_WIDTH, PREVIEW_HEIGHT);
}

/** The Vite plugin: emits /preview.png with the build. */
export function previewImage(): Plugin {
  return {
    name: 'spaces-preview-image',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'preview.png', source: renderPreviewPng() });
    },
  };
}
