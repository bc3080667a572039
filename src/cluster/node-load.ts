// This node's load as it reports it to the cluster: CPU of its processes (the main process and
// its media workers, read from /proc) and media packets per second, each over the time since
// the previous sample. Peers and Spaces are counted by their owners and passed in.
import { readFileSync } from 'node:fs';
import type { NodeLoad } from './placement-policy.js';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every architecture Node runs on). */
const TICKS_PER_SECOND = 100;

export class NodeLoadMeter {
  private lastAt = 0;
  private lastTicks = 0;
  private lastPackets = 0;

  constructor(
    /** The processes whose CPU counts (workers come and go with restarts). */
    private readonly pids: () => number[],
    /** Media packets in and out since start, over every worker. */
    private readonly packets: () => number,
  ) {}

  sample(counts: { peers: number; spaces: number }): NodeLoad {
    const now = Date.now();
    const ticks = this.pids().reduce((sum, pid) => sum + cpuTicks(pid), 0);
    const packets = this.packets();
    const seconds = (now - this.lastAt) / 1000;
    const first = this.lastAt === 0;
    const cpu = first || seconds <= 0 ? 0 : Math.max(0, (ticks - this.lastTicks) / TICKS_PER_SECOND / seconds);
    const packetsPerSec = first || seconds <= 0 ? 0 : Math.max(0, (packets - this.lastPackets) / seconds);
    this.lastAt = now;
    this.lastTicks = ticks;
    this.lastPackets = packets;
    return { ...counts, cpu: round(cpu), packetsPerSec: Math.round(packetsPerSec) };
  }
}

/** utime + stime of a process, in ticks (0 if it is gone). */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
