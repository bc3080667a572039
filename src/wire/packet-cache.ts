// The last packets of one video source, for answering NACKs. Preallocated: storing a
// packet copies its bytes into a fixed slot, so the packet path does not allocate.
const SIZE = 1024; // ~2 s of 720p at 1.5 Mbps
const MTU = 1500;

export class PacketCache {
  private readonly memory = Buffer.alloc(SIZE * MTU);
  private readonly lengths = new Int32Array(SIZE);
  private readonly seqs = new Int32Array(SIZE).fill(-1);

  store(buf: Buffer, seq: number): void {
    if (buf.length > MTU) return;
    const i = seq & (SIZE - 1);
    buf.copy(this.memory, i * MTU);
    this.lengths[i] = buf.length;
    this.seqs[i] = seq;
  }

  /** Copies packet `seq` into `out` and returns its length, or 0 if it is no longer cached. */
  load(seq: number, out: Buffer): number {
    const i = seq & (SIZE - 1);
    if (this.seqs[i] !== seq) return 0;
    const len = this.lengths[i]!;
    this.memory.copy(out, 0, i * MTU, i * MTU + len);
    return len;
  }
}
