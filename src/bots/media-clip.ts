// Real, decodable media for bots: speech encoded to Opus (with each frame's RFC 6464 level,
// as a browser measures it) and pre-encoded VP8 from an IVF file, plus the players that turn
// them into RTP. Tests of anything that decodes what speakers send (the HLS egress) need
// this; the synthetic streams of ndc-peer.ts and synthetic-camera.ts are not decodable.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpusScript from 'opusscript';
import { isVp8Keyframe, readIvf } from '../codecs/ivf.js';
import { Vp8Packetizer } from '../codecs/vp8-packetizer.js';
import { BOT_SAMPLE_RATE, readWavAs48kMono } from './wav.js';

/** 20 ms at 48 kHz: the frame size browsers send. */
export const OPUS_FRAME_SAMPLES = 960;
export const OPUS_FRAME_MS = 20;
/** Frames louder than this (in -dBov) get the voice bit, roughly where a browser's VAD would say "speech". */
export const VOICE_LEVEL_BELOW = 50;
/** Where the Opus payload starts in a mic packet: RTP header, then the one-byte extension block with the level. */
export const MIC_PAYLOAD_AT = 20;

export interface SpeechFrame {
  opus: Buffer;
  /** RFC 6464 level, -dBov: 0 loudest, 127 silence. */
  level: number;
  voice: boolean;
}

export interface SpeechClip {
  frames: SpeechFrame[];
  durationMs: number;
}

export interface Vp8ClipFrame {
  data: Buffer;
  keyframe: boolean;
}

export interface Vp8Clip {
  width: number;
  height: number;
  fps: number;
  frames: Vp8ClipFrame[];
  keyframeIndices: number[];
}

const run = promisify(execFile);

/** What a player sends on: node-datachannel's Track, which copies what it is given. */
export interface PacketSink {
  isOpen(): boolean;
  sendMessageBinary(pkt: Buffer): boolean;
}

/** Loads a WAV as Opus frames; converts it with ffmpeg first unless it is already 48 kHz mono 16-bit. */
export async function loadSpeechClip(wavPath: string): Promise<SpeechClip> {
  const header = await readFile(wavPath);
  const fmt = wavFormat(header);
  if (fmt && fmt.rate === BOT_SAMPLE_RATE && fmt.channels === 1 && fmt.bits === 16 && (fmt.format === 1 || fmt.format === 0xfffe)) {
    return encodeSpeech(readWavAs48kMono(wavPath));
  }
  const dir = await mkdtemp(join(tmpdir(), 'spaces-clip-'));
  try {
    const out = join(dir, 'clip.wav');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wavPath, '-ar', '48000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', out]);
    return encodeSpeech(readWavAs48kMono(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Encodes 48 kHz mono samples into 20 ms Opus frames; the last frame is padded with silence. */
export function encodeSpeech(samples: Int16Array): SpeechClip {
  const encoder = new OpusScript(48_000, 1, OpusScript.Application.VOIP);
  const pcm = Buffer.alloc(OPUS_FRAME_SAMPLES * 2);
  const frames: SpeechFrame[] = [];
  try {
    for (let start = 0; start < samples.length; start += OPUS_FRAME_SAMPLES) {
      const end = Math.min(samples.length, start + OPUS_FRAME_SAMPLES);
      pcm.fill(0);
      for (let i = start; i < end; i++) pcm.writeInt16LE(samples[i]!, (i - start) * 2);
      const level = audioLevel(samples, start, end);
      frames.push({ opus: encoder.encode(pcm, OPUS_FRAME_SAMPLES), level, voice: level < VOICE_LEVEL_BELOW });
    }
  } finally {
    encoder.delete();
  }
  return { frames, durationMs: frames.length * OPUS_FRAME_MS };
}

/** RFC 6464 level of samples [from, to): the RMS in -dBov, 0..127, silence (and anything quieter) 127. */
export function audioLevel(samples: Int16Array, from = 0, to = samples.length): number {
  if (to <= from) return 127;
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  const rms = Math.sqrt(sum / (to - from));
  if (rms === 0) return 127;
  const dBov = -20 * Math.log10(rms / 32768);
  return Math.max(0, Math.min(127, Math.round(dBov)));
}

let silence: Buffer | null = null;

/** One 20 ms Opus frame of digital silence, encoded once per process. */
export function opusSilenceFrame(): Buffer {
  if (silence) return silence;
  const encoder = new OpusScript(48_000, 1, OpusScript.Application.VOIP);
  try {
    const zeros = Buffer.alloc(OPUS_FRAME_SAMPLES * 2);
    // The encoder's first frame still carries start-up state; a later one is plain silence.
    for (let i = 0; i < 5; i++) silence = encoder.encode(zeros, OPUS_FRAME_SAMPLES);
  } finally {
    encoder.delete();
  }
  return silence!;
}

/** Loads VP8 frames from IVF. Throws unless the first frame is a keyframe: every loop restarts the decoder there. */
export async function loadVp8Clip(ivfPath: string): Promise<Vp8Clip> {
  const { header, frames } = readIvf(await readFile(ivfPath));
  if (header.fourcc !== 'VP80') throw new Error(`${ivfPath}: ${header.fourcc} is not VP8`);
  if (frames.length === 0 || !isVp8Keyframe(frames[0]!.data)) throw new Error(`${ivfPath}: the clip must start with a keyframe`);
  const keyframeIndices: number[] = [];
  const out = frames.map((f, i) => {
    const keyframe = isVp8Keyframe(f.data);
    if (keyframe) keyframeIndices.push(i);
    return { data: f.data, keyframe };
  });
  // The frame rate is the timebase over the pts step (ffmpeg writes a 1/fps timebase and a step of 1).
  const step = frames.length > 1 ? (frames.at(-1)!.pts - frames[0]!.pts) / (frames.length - 1) : 1;
  const fps = header.timebaseNum > 0 && step > 0 ? header.timebaseDen / (header.timebaseNum * step) : 30;
  return { width: header.width, height: header.height, fps, frames: out, keyframeIndices };
}

/**
 * Plays a speech clip as mic packets. Each frame's packet is built once, with the payload and
 * the level in place, so that sending only writes the RTP header fields (sequence, timestamp,
 * SSRC, extension ID) into it: no allocation per packet.
 */
export class OpusClipPlayer {
  private readonly packets: Buffer[];
  private readonly silencePacket: Buffer;
  private index = 0;
  /** Send silence (level 127) instead of the clip, without losing its place. */
  paused = false;
  framesSent = 0;

  constructor(
    readonly clip: SpeechClip,
    readonly loop = true,
  ) {
    if (clip.frames.length === 0) throw new Error('an empty speech clip');
    this.packets = clip.frames.map((f) => micPacket(f.opus, f.level, f.voice));
    this.silencePacket = micPacket(opusSilenceFrame(), 127, false);
  }

  /** The next packet (header fields to be written by the caller), or null once a clip that does not loop is over. */
  next(): Buffer | null {
    if (this.paused) return this.silencePacket;
    if (this.index >= this.packets.length) {
      if (!this.loop) return null;
      this.index = 0;
    }
    this.framesSent++;
    return this.packets[this.index++]!;
  }

  get finished(): boolean {
    return !this.loop && this.index >= this.packets.length;
  }
}

function micPacket(opus: Buffer, level: number, voice: boolean): Buffer {
  const p = Buffer.alloc(MIC_PAYLOAD_AT + opus.length);
  p[0] = 0x90; // V=2, X=1
  p.writeUInt16BE(0xbede, 12); // one-byte extensions (RFC 8285), one 32-bit word
  p.writeUInt16BE(1, 14);
  p[17] = (voice ? 0x80 : 0) | level;
  opus.copy(p, MIC_PAYLOAD_AT);
  return p;
}

/**
 * Plays a VP8 clip in a loop on one camera SSRC, with a 90 kHz clock continuous across loops.
 * A keyframe request (a PLI from the server) makes the next frame the clip's next keyframe,
 * which is what an encoder asked for one would produce: the viewer can start decoding there.
 */
export class Vp8ClipPlayer {
  private readonly packetizer: Vp8Packetizer;
  private readonly ts0 = Math.floor(Math.random() * 0x100000000);
  private index = 0;
  /** Frames sent since the start, across loops: the timestamp is derived from it, so it cannot drift. */
  private frameNo = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  framesSent = 0;
  keyframesSent = 0;
  plisReceived = 0;
  /** Times a keyframe request moved the clip forward (not counting requests that landed on a keyframe). */
  keyframeJumps = 0;

  constructor(
    readonly clip: Vp8Clip,
    readonly ssrc: number,
    opts: { payloadType?: number; maxPayload?: number } = {},
  ) {
    if (clip.frames.length === 0 || !clip.frames[0]!.keyframe) throw new Error('a VP8 clip must start with a keyframe');
    this.packetizer = new Vp8Packetizer({ ssrc, payloadType: opts.payloadType ?? 96, maxPayload: opts.maxPayload ?? 1100 });
  }

  get frameIntervalMs(): number {
    return 1000 / this.clip.fps;
  }

  /** Index of the frame the next tick sends. */
  get nextFrameIndex(): number {
    return this.index;
  }

  /** Sends a frame every 1/fps s on whatever track `track()` returns at the time (it changes on reconnect). */
  start(track: () => PacketSink | null): void {
    this.stop();
    const send = (pkt: Buffer): void => {
      track()?.sendMessageBinary(pkt);
    };
    this.timer = setInterval(() => {
      const t = track();
      if (t && t.isOpen()) this.sendFrame(send);
    }, this.frameIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Packetizes the next frame; `send` must use each packet before it returns (see Vp8Packetizer). */
  sendFrame(send: (pkt: Buffer) => void): void {
    const frame = this.clip.frames[this.index]!;
    const ts = (this.ts0 + Math.round((this.frameNo * 90_000) / this.clip.fps)) >>> 0;
    this.packetizer.packetize(frame.data, ts, send);
    if (frame.keyframe) this.keyframesSent++;
    this.framesSent++;
    this.frameNo++;
    this.index = (this.index + 1) % this.clip.frames.length;
  }

  requestKeyframe(): void {
    if (this.clip.frames[this.index]!.keyframe) return;
    const ki = this.clip.keyframeIndices;
    this.index = ki.find((i) => i > this.index) ?? ki[0]!;
    this.keyframeJumps++;
  }

  /** RTCP from the server on this camera's track: a PLI (PSFB, FMT 1) naming our SSRC asks for a keyframe. */
  onRtcp(buf: Buffer): void {
    for (let at = 0; at + 4 <= buf.length;) {
      const fmt = buf[at]! & 0x1f;
      const pt = buf[at + 1]!;
      if (pt === 206 && fmt === 1 && at + 12 <= buf.length && buf.readUInt32BE(at + 8) === this.ssrc) {
        this.plisReceived++;
        this.requestKeyframe();
      }
      at += (buf.readUInt16BE(at + 2) + 1) * 4;
    }
  }
}

/** The format fields of a RIFF/WAVE header, or null if it is not one. */
function wavFormat(buf: Buffer): { format: number; channels: number; rate: number; bits: number } | null {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  for (let at = 12; at + 8 <= buf.length;) {
    const size = buf.readUInt32LE(at + 4);
    if (buf.toString('ascii', at, at + 4) === 'fmt ' && at + 24 <= buf.length) {
      return { format: buf.readUInt16LE(at + 8), channels: buf.readUInt16LE(at + 10), rate: buf.readUInt32LE(at + 12), bits: buf.readUInt16LE(at + 22) };
    }
    at += 8 + size + (size & 1);
  }
  return null;
}
