// Between a producer and an output that can fall behind: the producer is
// paused once the output's backlog passes a high-water mark and resumed once
// the backlog has drained to a low-water mark. The gap between the two marks
// keeps it from pausing and resuming with every message.
export interface Pausable {
  pause(): void;
  resume(): void;
}

export interface WaterMarks {
  /** The producer is paused while the backlog is above this... */
  pauseAbove: number;
  /** ...until it has drained to this or less. */
  resumeAtOrBelow: number;
}

export class BacklogValve {
  private paused = false;

  constructor(
    private readonly marks: WaterMarks,
    private readonly producer: Pausable,
  ) {
    if (marks.resumeAtOrBelow >= marks.pauseAbove)
      throw new RangeError('the low-water mark must lie below the high-water mark');
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Tells the valve how large the backlog is now. */
  update(backlog: number): void {
    if (!this.paused && backlog > this.marks.pauseAbove) {
      this.paused = true;
      this.producer.pause();
    } else if (this.paused && backlog <= this.marks.resumeAtOrBelow) {
      this.paused = false;
      this.producer.resume();
    }
  }
}
