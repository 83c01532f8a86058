// kernel.perf_event_paranoid, set for the tests of one describe block and
// restored after it. Debian's and Ubuntu's kernels default to 3, under which
// their patch has perf_event_open ask for CAP_SYS_ADMIN; an upstream kernel
// reads 3 as 2, so setting it here changes what the helper decides, not what
// the kernel allows.
import * as fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';

import { PERF_EVENT_PARANOID } from '../../helper/privileges/privilegeDrop';

export function withPerfEventParanoid(level: number): void {
  let before: string | undefined;
  beforeAll(() => {
    before = fs.readFileSync(PERF_EVENT_PARANOID, 'utf8');
    fs.writeFileSync(PERF_EVENT_PARANOID, `${level}\n`);
  });
  afterAll(() => {
    if (before !== undefined) fs.writeFileSync(PERF_EVENT_PARANOID, before);
  });
}

/** How many perf events the process holds open. */
export function perfEventsHeldBy(pid: number): number {
  return fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[perf_event]';
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}
