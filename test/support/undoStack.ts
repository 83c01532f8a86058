// Undo steps for changes a test makes to the machine (a user, /etc files, a
// mount), run in reverse order. Every step runs even when an earlier one
// fails; the failures are reported together afterwards.
export class UndoStack {
  private readonly steps: { what: string; undo: () => void | Promise<void> }[] = [];

  push(what: string, undo: () => void | Promise<void>): void {
    this.steps.push({ what, undo });
  }

  /** Runs and forgets every step, newest first; idempotent. */
  async run(): Promise<void> {
    const failures: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push(`${step.what}: ${(error as Error).message}`);
      }
    }
    if (failures.length > 0)
      throw new Error(`undoing the test's changes to the machine failed:\n${failures.join('\n')}`);
  }
}
