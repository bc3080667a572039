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

export class AudioPublisher {
  /** The slots this stream is mapped onto, one per subscriber; the fan-out loop walks this array. */
  readonly slots: DownstreamSlot[] = [];
  /** One of the room's audible speakers: its slots are attached. Set by the room. */
  audible = false;
  /** When a packet of this stream was last let through the voice gate. */
  lastVoiceAtMs = Number.NEGATIVE_INFINITY;
  readonly voice: VoiceActivity;
  private stats = new ReceiveStats(48_000);
  ssrc: number | null = null;
  audioLevelExtId = 0;
  /** Allowed to publish (on stage) and not muted. */
  live = false;
  /** The previous packet was held back, so the next forwarded one starts a new run. */
  private heldBack = true;
  lastPacketAtMs = 0;
  private readonly rtcpVisitor: RtcpVisitor;
  private nowMs = 0;
  /** Hears what the subscribers hear, before their slots rewrite the buffer (the HLS egress). */
  tap: ((participantId: string, packet: Buffer) => void) | null = null;

  constructor(
    readonly id: string,
    private readonly counters: MediaCounters,
    private readonly detector: SpeakerDetector,
    voiceConfig?: VoiceActivityConfig,
    private readonly requestLane: LaneRequest | null = null,
  ) {
    this.voice = new VoiceActivity(voiceConfig);
    this.rtcpVisitor = {
      senderReport: (ssrc, ntpMiddle) => {
        if (ssrc === this.ssrc) this.stats.onSenderReport(ntpMiddle, this.nowMs);
      },
    };
  }

  /** The client (re)negotiated its microphone: a new SSRC means fresh statistics. */
  configure(ssrc: number | null, audioLevelExtId: number): void {
    if (ssrc !== this.ssrc) this.stats = new ReceiveStats(48_000);
    this.ssrc = ssrc;
    this.audioLevelExtId = audioLevelExtId;
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
    if (!isValidRtp(buf) || rtpPayloadType(buf) !== OPUS_PT || (this.ssrc !== null && rtpSsrc(buf) !== this.ssrc)) {
      this.counters.packetsInvalid++;
      return;
    }
    this.counters.packetsIn++;
    this.counters.bytesIn += buf.length;
    this.lastPacketAtMs = nowMs;
    this.stats.onPacket(rtpSequence(buf), rtpTimestamp(buf), nowMs);
    const level = readAudioLevel(buf, this.audioLevelExtId);
    // The dominant-speaker detector hears every frame of a live publisher, talking or not.
    if (this.live && level >= 0) this.detector.addLevel(this.id, level & 0x7f, (level & 0x80) !== 0, nowMs);
    const open = this.voice.update(level, nowMs);
    if (!this.live || !open) {
      this.counters.packetsGated++;
      this.heldBack = true;
      return;
    }
    this.lastVoiceAtMs = nowMs;
    // Talking without slots: ask for a place among the audible speakers (it may attach slots now).
    if (!this.audible) this.requestLane?.(this, nowMs);
    const slots = this.slots;
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
    if (this.ssrc === null || this.stats.received === 0) return 0;
    return writeReceiverReport(scratch, senderSsrc, this.stats.report(this.ssrc, nowMs, report));
  }

  get fractionLost(): number {
    return this.stats.lastFractionLost;
  }

  attach(slot: DownstreamSlot): void {
    if (slot.source === this) return;
    slot.assign(this);
    slot.sourceIndex = this.slots.length;
    this.slots.push(slot);
  }

  /** O(1): the last slot moves into the freed place, since the fan-out order does not matter. */
  detach(slot: DownstreamSlot): void {
    const i = slot.sourceIndex;
    if (slot.source === this && this.slots[i] === slot) {
      const last = this.slots.pop()!;
      if (last !== slot) {
        this.slots[i] = last;
        last.sourceIndex = i;
      }
      slot.sourceIndex = -1;
      slot.assign(null);
    }
  }

  /** No longer one of the audible speakers: it leaves every subscriber's slot. */
  leaveAudible(): void {
    this.audible = false;
    this.detachAll();
  }

  detachAll(): void {
    for (const slot of this.slots) {
      if (slot.source === this) slot.assign(null);
      slot.sourceIndex = -1;
    }
    this.slots.length = 0;
  }
}
