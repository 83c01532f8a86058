// Pausing a producer while its output is behind (helper/server/backlogValve.ts).
import { describe, expect, it } from 'vitest';

import { BacklogValve } from '../../../../helper/server/backlogValve';

function valveWithLog(): { valve: BacklogValve; calls: string[] } {
  const calls: string[] = [];
  const valve = new BacklogValve(
    { pauseAbove: 10, resumeAtOrBelow: 2 },
    { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
  );
  return { valve, calls };
}

describe('BacklogValve', () => {
  it('lets the producer run while the backlog is at or below the high-water mark', () => {
    const { valve, calls } = valveWithLog();
    for (const backlog of [0, 5, 10, 3]) valve.update(backlog);
    expect(calls).toEqual([]);
    expect(valve.isPaused).toBe(false);
  });

  it('pauses the producer once the backlog passes the high-water mark, once', () => {
    const { valve, calls } = valveWithLog();
    for (const backlog of [11, 20, 15]) valve.update(backlog);
    expect(calls).toEqual(['pause']);
    expect(valve.isPaused).toBe(true);
  });

  it('resumes it only once the backlog has drained to the low-water mark', () => {
    const { valve, calls } = valveWithLog();
    for (const backlog of [11, 9, 5, 3]) valve.update(backlog);
    expect(calls).toEqual(['pause']);
    valve.update(2);
    expect(calls).toEqual(['pause', 'resume']);
    expect(valve.isPaused).toBe(false);
  });

  it('pauses again when the backlog grows again', () => {
    const { valve, calls } = valveWithLog();
    for (const backlog of [11, 0, 4, 12]) valve.update(backlog);
    expect(calls).toEqual(['pause', 'resume', 'pause']);
  });

  it('refuses a low-water mark that is not below the high-water mark', () => {
    expect(() => new BacklogValve({ pauseAbove: 5, resumeAtOrBelow: 5 }, { pause() {}, resume() {} })).toThrow(
      RangeError,
    );
  });
});
