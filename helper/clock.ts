// Wall-clock times for kernel timestamps. The BPF program stamps calls with
// bpf_ktime_get_ns(), which is CLOCK_MONOTONIC; so is process.hrtime(). The
// offset between that clock and the wall clock is sampled once per batch, so
// that clock adjustments show up in the next batch.
export class WallClock {
  private offsetNs = 0n;

  constructor() {
    this.resync();
  }

  resync(): void {
    this.offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  }

  /** ISO-8601 with milliseconds, in UTC. */
  toIso(monotonicNs: bigint): string {
    return new Date(Number((monotonicNs + this.offsetNs) / 1_000_000n)).toISOString();
  }
}
