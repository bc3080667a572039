// Receiver reports from a bot, as a browser sends them: one RR per received audio stream
// every few seconds (libwebrtc's audio interval is 5 s), each on its own stream's track. The
// server gets the RTCP load real listeners put on it, and the loss figures they would report.
import type { Track } from 'node-datachannel';
import { ReceiveStats } from '../wire/receive-stats.js';
import { rtpSequence, rtpSsrc, rtpTimestamp } from '../wire/rtp.js';
import { emptyReceptionReport, writeReceiverReport, type ReceptionReport } from '../wire/rtcp.js';

/** libwebrtc's RTCP interval for audio. */
export const AUDIO_REPORT_INTERVAL_MS = 5000;

interface Stream {
  track: Track;
  ssrc: number;
  stats: ReceiveStats;
  /** Packets since the last report: a stream that went quiet is not reported on. */
  fresh: number;
}

export class ReceiverReports {
  private readonly streams = new Map<string, Stream>();
  private readonly scratch = Buffer.alloc(32);
  private readonly report: ReceptionReport = emptyReceptionReport();
  private phase: ReturnType<typeof setTimeout> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  sent = 0;

  constructor(private readonly senderSsrc: number) {}

  /** Starts reporting, at a random phase so that a crowd of bots does not report in step. */
  start(intervalMs = AUDIO_REPORT_INTERVAL_MS): void {
    if (this.phase || this.timer) return;
    // A bot's reports never keep its process alive (a packet that lands after close() restarts them).
    this.phase = setTimeout(() => {
      this.phase = null;
      this.timer = setInterval(() => this.flush(), intervalMs).unref();
      this.flush();
    }, Math.random() * intervalMs).unref();
  }

  /** A new connection: the old tracks and streams are gone; stops until the next packet. */
  reset(): void {
    this.stop();
    this.streams.clear();
  }

  stop(): void {
    if (this.phase) clearTimeout(this.phase);
    if (this.timer) clearInterval(this.timer);
    this.phase = null;
    this.timer = null;
  }

  /** One RTP packet of the stream on `mid` (read now). */
  onRtp(mid: string, track: Track, rtp: Buffer, nowMs: number): void {
    const ssrc = rtpSsrc(rtp);
    let s = this.streams.get(mid);
    if (!s || s.ssrc !== ssrc) {
      s = { track, ssrc, stats: new ReceiveStats(48_000), fresh: 0 };
      this.streams.set(mid, s);
    }
    s.stats.onPacket(rtpSequence(rtp), rtpTimestamp(rtp), nowMs);
    s.fresh++;
  }

  /** Sends one RR for each stream heard since the last round. */
  flush(nowMs = Date.now()): void {
    for (const s of this.streams.values()) {
      if (s.fresh === 0) continue;
      s.fresh = 0;
      const len = writeReceiverReport(this.scratch, this.senderSsrc, s.stats.report(s.ssrc, nowMs, this.report));
      try {
        if (s.track.isOpen() && s.track.sendMessageBinary(this.scratch.subarray(0, len))) this.sent++;
      } catch {
        // the track closed under us
      }
    }
  }
}
