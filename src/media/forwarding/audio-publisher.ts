// The microphone stream of one person on stage, as it enters the server: validated,
// measured (for our receiver reports), gated by voice activity, and fanned out to the
// slots that carry it to every other participant while it is one of the audible speakers.
import { isRtcp, isValidRtp, readAudioLevel, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../../wire/rtp.js';
import { visitRtcp, writeReceiverReport, type ReceptionReport, type RtcpVisitor } from '../../wire/rtcp.js';
import { ReceiveStats } from '../../wire/receive-stats.js';
import { VoiceActivity, type VoiceActivityConfig } from './voice-activity.js';
import type { DownstreamSlot } from './downstream-slot.js';
import type { MediaCounters } from '../counters.js';
import { OPUS_PT } from '../../wire/payload-types.js';
import type { SpeakerDetector } from '../speaker/detector.js';

/** Asked when a publisher talks but has no slots: the room decides whether it becomes audible. */
export type LaneRequest = (publisher: AudioPublisher, nowMs: number) => void;

export interface AudioPublisherOptions {
  readonly id: string;
  readonly counters: MediaCounters;
  readonly detector: SpeakerDetector;
  readonly voice?: VoiceActivityConfig;
  /** Asked when it talks without slots; without one, it never asks. */
  readonly requestLane?: LaneRequest;
  /** On stage and not muted from the start (default: not live). */
  readonly live?: boolean;
  /** Hears what the subscribers hear, before their slots rewrite the buffer (the HLS egress). */
  readonly tap?: AudioTap | null;
}

/** Hears a talking speaker's packets before the slots rewrite them. */
export type AudioTap = (participantId: string, packet: Buffer) => void;

export class AudioPublisher {
  readonly id: string;
  /** The slots this stream is mapped onto, one per subscriber; the fan-out loop walks this array. */
  private readonly fanOut: DownstreamSlot[] = [];
  /** One of the room's audible speakers: its slots are attached. */
  private isAudible = false;
  /** When a packet of this stream was last let through the voice gate. */
  private voiceAtMs = Number.NEGATIVE_INFINITY;
  readonly voice: VoiceActivity;
  private stats = new ReceiveStats(48_000);
  private currentSsrc: number | null = null;
  private levelExtId = 0;
  /** Allowed to publish (on stage) and not muted. */
  private isLive: boolean;
  /** The previous packet was held back, so the next forwarded one starts a new run. */
  private heldBack = true;
  private readonly rtcpVisitor: RtcpVisitor;
  private nowMs = 0;
  private tap: AudioTap | null;
  private readonly counters: MediaCounters;
  private readonly detector: SpeakerDetector;
  private readonly requestLane: LaneRequest | null;

  constructor(options: AudioPublisherOptions) {
    this.id = options.id;
    this.counters = options.counters;
    this.detector = options.detector;
    this.requestLane = options.requestLane ?? null;
    this.isLive = options.live ?? false;
    this.tap = options.tap ?? null;
    this.voice = new VoiceActivity(options.voice);
    this.rtcpVisitor = {
      senderReport: (ssrc, ntpMiddle) => {
        if (ssrc === this.currentSsrc) this.stats.onSenderReport(ntpMiddle, this.nowMs);
      },
    };
  }

  get slots(): readonly DownstreamSlot[] {
    return this.fanOut;
  }

  get audible(): boolean {
    return this.isAudible;
  }

  get live(): boolean {
    return this.isLive;
  }

  get ssrc(): number | null {
    return this.currentSsrc;
  }

  get audioLevelExtId(): number {
    return this.levelExtId;
  }

  get lastVoiceAtMs(): number {
    return this.voiceAtMs;
  }

  /** On stage and unmuted, or not: a muted publisher's gate starts closed when it comes back. */
  setLive(live: boolean): void {
    this.isLive = live;
    if (!live) this.voice.reset();
  }

  setTap(tap: AudioTap | null): void {
    this.tap = tap;
  }

  /** Relayed from another worker, whose peer negotiated the audio-level extension id. */
  setAudioLevelExtId(id: number): void {
    this.levelExtId = id;
  }

  /** Admitted among the audible speakers: the room attaches its slots next. */
  becomeAudible(): void {
    this.isAudible = true;
  }

  /** The client (re)negotiated its microphone: a new SSRC means fresh statistics. */
  configure(ssrc: number | null, audioLevelExtId: number): void {
    if (ssrc !== this.currentSsrc) this.stats = new ReceiveStats(48_000);
    this.currentSsrc = ssrc;
    this.levelExtId = audioLevelExtId;
    this.voice.reset();
    this.heldBack = true;
  }

  /** Entry point of the packet path for this publisher. */
  onMessage(buf: Buffer, nowMs: number): void {
    this.nowMs = nowMs;
    if (isRtcp(buf)) {
      this.counters.rtcpIn++;
      visitRtcp(buf, this.rtcpVisitor);
      return;
    }
    if (!isValidRtp(buf) || rtpPayloadType(buf) !== OPUS_PT || (this.currentSsrc !== null && rtpSsrc(buf) !== this.currentSsrc)) {
      this.counters.packetsInvalid++;
      return;
    }
    this.counters.packetsIn++;
    this.counters.bytesIn += buf.length;
    this.stats.onPacket(rtpSequence(buf), rtpTimestamp(buf), nowMs);
    const level = readAudioLevel(buf, this.levelExtId);
    // The dominant-speaker detector hears every frame of a live publisher, talking or not.
    if (this.isLive && level >= 0) this.detector.addLevel(this.id, level & 0x7f, (level & 0x80) !== 0, nowMs);
    const open = this.voice.update(level, nowMs);
    if (!this.isLive || !open) {
      this.counters.packetsGated++;
      this.heldBack = true;
      return;
    }
    this.voiceAtMs = nowMs;
    // Talking without slots: ask for a place among the audible speakers (it may attach slots now).
    if (!this.isAudible) this.requestLane?.(this, nowMs);
    const slots = this.fanOut;
    if (this.heldBack) {
      for (let i = 0; i < slots.length; i++) slots[i]!.markDiscontinuity();
      this.heldBack = false;
    }
    this.tap?.(this.id, buf);
    const seq = rtpSequence(buf);
    const ts = rtpTimestamp(buf);
    for (let i = 0; i < slots.length; i++) slots[i]!.forward(buf, seq, ts, nowMs);
  }

  /** Writes a receiver report about this stream into `scratch`; returns its length, or 0 if nothing was received. */
  writeReceiverReport(scratch: Buffer, senderSsrc: number, nowMs: number, report: ReceptionReport): number {
    if (this.currentSsrc === null || this.stats.received === 0) return 0;
    return writeReceiverReport(scratch, senderSsrc, this.stats.report(this.currentSsrc, nowMs, report));
  }

  get fractionLost(): number {
    return this.stats.lastFractionLost;
  }

  attach(slot: DownstreamSlot): void {
    if (slot.source === this) return;
    slot.bind(this, this.fanOut.length);
    this.fanOut.push(slot);
  }

  /** O(1): the last slot moves into the freed place, since the fan-out order does not matter. */
  detach(slot: DownstreamSlot): void {
    const i = slot.sourceIndex;
    if (slot.source === this && this.fanOut[i] === slot) {
      const last = this.fanOut.pop()!;
      if (last !== slot) {
        this.fanOut[i] = last;
        last.moveTo(i);
      }
      slot.release();
    }
  }

  /** No longer one of the audible speakers: it leaves every subscriber's slot. */
  leaveAudible(): void {
    this.isAudible = false;
    this.detachAll();
  }

  detachAll(): void {
    for (const slot of this.fanOut) if (slot.source === this) slot.release();
    this.fanOut.length = 0;
  }
}
