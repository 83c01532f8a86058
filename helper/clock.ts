// Wall-clock times for kernel timestamps. The BPF program stamps calls with
// bpf_ktime_get_ns(), which is CLOCK_MONOTONIC; so is process.hrtime(). The
// offset between that clock and the wall clock is sampled once per batch, so
// that clock adjustments show up in the next batch.
export class WallClock {
  private offsetNs = 0n;
  // A storm holds hundreds of deletions per millisecond, and formatting a
  // Date is among the dearest steps of an event: the last one is kept.
  private lastMs = NaN;
  private lastIso = '';

  constructor() {
    this.resync();
  }

  resync(): void {
    this.offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  }

  /** ISO-8601 with milliseconds, in UTC. */
  toIso(monotonicNs: bigint): string {
    const ms = Number((monotonicNs + this.offsetNs) / 1_000_000n);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }
}
