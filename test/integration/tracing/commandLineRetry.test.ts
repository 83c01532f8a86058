// A command line the kernel could not read is never marked as sent: a BPF
// program cannot fault pages in, so a process whose command line lies on a
// page that is not present gets its first deletion's command line from
// /proc (read by the helper while the process lives), and the kernel tries
// again at its next deletion.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { mapEntriesOf } from '../../support/bpfMaps';
import { buildFixture } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { startTrace } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

const it = traceTest.extend('unreadableCmdline', { scope: 'file' }, () => buildFixture('unreadable_cmdline'));

interface ReportedProcess {
  key: { tgid: number };
}

/** The fixture, driven a step at a time: it prints a word after each deletion and waits for a line before the next. */
function startFixture(program: string, args: string[]) {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const words = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    pid: child.pid!,
    async said(): Promise<string> {
      const next = await words.next();
      if (next.done) throw new Error(`the fixture ended early (exit ${await exited}): ${stderr}`);
      return next.value;
    },
    goOn: () => child.stdin.write('\n'),
    async end(): Promise<number | null> {
      child.stdin.end();
      return exited;
    },
  };
}

describe.each(ATTACH_MODES)('a command line on a page the kernel cannot read (%s mode)', (mode) => {
  it('is read from /proc for the first deletion, and sent by the kernel with the next', async ({
    scratch,
    unreadableCmdline,
  }) => {
    makeTree(scratch, ['first', 'second']);
    const [first, second] = ['first', 'second'].map((name) => path.join(scratch, name));
    const reportedKeys = (pid: number, tracer: number) =>
      mapEntriesOf<ReportedProcess>(tracer, 'processes_reported').filter((entry) => entry.key.tgid === pid).length;

    const trace = await startTrace({ mode, paths: [scratch] });
    const fixture = startFixture(unreadableCmdline, [first, second]);
    expect(await fixture.said()).toBe('first');
    // The helper has the record once the deletion is back from the kernel; give it the moment it takes to read /proc.
    await sleep(300);
    const keysAfterFirst = reportedKeys(fixture.pid, trace.pid);
    fixture.goOn();
    expect(await fixture.said()).toBe('second');
    const keysAfterSecond = reportedKeys(fixture.pid, trace.pid);
    expect(await fixture.end()).toBe(0);
    const { events } = await trace.stop();

    // Not marked as sent while the kernel could not read it; marked once it could.
    expect(keysAfterFirst).toBe(0);
    expect(keysAfterSecond).toBe(1);
    expect(events.map((event) => [event.path, event.cmdline])).toEqual([
      [first, [unreadableCmdline, first, second]],
      [second, [unreadableCmdline, first, second]],
    ]);
  });
});
