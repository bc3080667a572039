// Reads a PCM WAV file into 48 kHz mono 16-bit samples, the form WebRTC audio sources take.
import { readFileSync } from 'node:fs';

export const BOT_SAMPLE_RATE = 48_000;

export function readWavAs48kMono(path: string): Int16Array {
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a WAV file`);
  }
  let offset = 12;
  let channels = 1;
  let rate = 0;
  let bits = 0;
  let format = 0;
  let data: Buffer | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
    } else if (id === 'data') {
      data = buf.subarray(body, Math.min(buf.length, body + size));
    }
    offset = body + size + (size & 1);
  }
  if (!data || rate === 0) throw new Error(`${path}: no fmt or data chunk`);
  if ((format !== 1 && format !== 0xfffe) || bits !== 16) throw new Error(`${path}: only 16-bit PCM WAV is supported`);
  const frames = Math.floor(data.length / (2 * channels));
  const mono = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data.readInt16LE((i * channels + c) * 2);
    mono[i] = sum / channels;
  }
  // Linear interpolation is plenty for a test voice.
  const outFrames = Math.floor((frames * BOT_SAMPLE_RATE) / rate);
  const out = new Int16Array(outFrames);
  for (let i = 0; i < outFrames; i++) {
    const pos = (i * rate) / BOT_SAMPLE_RATE;
    const i0 = Math.floor(pos);
    const frac = pos - i0;
    const a = mono[i0] ?? 0;
    const b = mono[i0 + 1] ?? a;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(a + (b - a) * frac)));
  }
  return out;
}
