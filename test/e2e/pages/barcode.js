// A clock you can see: the sender draws the wall-clock time into every video frame as 32
// black/white cells (28 bits of milliseconds and a 4-bit checksum); a viewer reads it back
// from the frame it displays. Sender and viewers share the machine's clock, so the
// difference is the glass-to-glass latency of whatever path the video took.
export const WIDTH = 1280;
export const HEIGHT = 720;
const CELLS = 32;
const CELL = WIDTH / CELLS; // 40 px
const BAND = 60;

function checksum(v) {
  let s = 0;
  for (let i = 0; i < 7; i++) s += Math.floor(v / 16 ** i) % 16;
  return s % 16;
}

export function drawFrame(ctx, now, frame) {
  // A moving test pattern below the band, so the encoder has real work to do.
  for (let i = 0; i < 8; i++) {
    ctx.fillStyle = `hsl(${(i * 45 + frame * 3) % 360} 70% 50%)`;
    ctx.fillRect(i * (WIDTH / 8), BAND, WIDTH / 8, HEIGHT - BAND);
  }
  ctx.fillStyle = '#fff';
  ctx.font = '64px sans-serif';
  ctx.fillText(`frame ${frame}`, 60, 400);
  const value = Math.floor(now % 2 ** 28);
  const bits = value * 16 + checksum(value);
  for (let i = 0; i < CELLS; i++) {
    const bit = Math.floor(bits / 2 ** (CELLS - 1 - i)) % 2;
    ctx.fillStyle = bit ? '#fff' : '#000';
    ctx.fillRect(i * CELL, 0, CELL, BAND);
  }
}

/** Reads the time back from a displayed frame; null if the cells do not check out. */
export function readTime(ctx, w, h) {
  const sx = w / WIDTH;
  const sy = h / HEIGHT;
  const data = ctx.getImageData(0, 0, w, Math.ceil(BAND * sy)).data;
  let bits = 0;
  for (let i = 0; i < CELLS; i++) {
    const x = Math.floor((i * CELL + CELL / 2) * sx);
    const y = Math.floor((BAND / 2) * sy);
    const at = (y * w + x) * 4;
    const lum = 0.299 * data[at] + 0.587 * data[at + 1] + 0.114 * data[at + 2];
    bits = bits * 2 + (lum > 128 ? 1 : 0);
  }
  const value = Math.floor(bits / 16);
  return bits % 16 === checksum(value) ? value : null;
}

/** Milliseconds from the encoded time to now (mod 2^28), or null when implausible. */
export function latencyOf(value) {
  const d = (Math.floor(Date.now() % 2 ** 28) - value + 2 ** 28) % 2 ** 28;
  return d < 60_000 ? d : null;
}

/** Samples latency on every displayed frame of `video` into `out` (an array). */
export function watch(video, out) {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const onFrame = () => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (w > 0 && h > 0) {
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(video, 0, 0, w, h);
      const v = readTime(ctx, w, h);
      const lat = v === null ? null : latencyOf(v);
      if (lat !== null) out.push({ lat, w, h });
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}
