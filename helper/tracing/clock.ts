// Wall-clock times for kernel timestamps. The BPF program stamps calls with
// bpf_ktime_get_ns(), which is CLOCK_MONOTONIC; so is process.hrtime(). The
// offset between that clock and the wall clock is sampled once per batch, so
// that clock adjustments show up in the next batch.
export class WallClock {
  /** Wall-clock milliseconds at CLOCK_MONOTONIC 0: small enough for a double to hold to the microsecond. */
  private offsetMs = 0;
  // A storm holds hundreds of deletions per millisecond, and formatting a
  // Date is among the dearest steps of an event: the last one is kept.
  private lastMs = NaN;
  private lastIso = '';

  constructor() {
    this.resync();
  }

  resync(): void {
    this.offsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
  }

  /** ISO-8601 with milliseconds, in UTC. */
  toIso(monotonicNs: number): string {
    const ms = Math.floor(this.offsetMs + monotonicNs / 1e6);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }
}
