// However the helper ends (its client closes stdin, asks it to shut down,
// signals it, or kills it outright), none of its BPF programs stays loaded.
// And two helpers on one machine do not disturb each other.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ShutdownRequest, StopRequest } from '../../../common/protocol';
import { attachedLinksOf, tracerProgramsOf, waitUntilUnloaded, type HelperUnderTest } from '../../support/helperServer';
import { helperTest, type TracingHelperOptions } from '../../support/helperTest';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

/** A helper tracing in raw mode (tracingHelper), and the ids of its four programs: the raw tracepoints at syscall entry and exit, and io_uring's submission and completion. */
const it = helperTest.extend('rawTracer', ({ tracingHelper }) => {
  return async (options: TracingHelperOptions = {}): Promise<{ helper: HelperUnderTest; programs: number[] }> => {
    const helper = await tracingHelper({ attachMode: 'raw', ...options });
    const programs = tracerProgramsOf(helper.pid);
    expect(programs).toHaveLength(4);
    return { helper, programs };
  };
});

describe('when the helper ends, no BPF program of it stays loaded', () => {
  it('after the end of its stdin, and it exits with status 0', async ({ rawTracer }) => {
    const { helper, programs } = await rawTracer();
    helper.child.stdin.end();
    expect(await helper.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilUnloaded(programs)).toEqual([]);
  });

  it('after shutdown, which it answers with null before exiting', async ({ rawTracer }) => {
    const { helper, programs } = await rawTracer();
    expect(await helper.connection.sendRequest(ShutdownRequest, {})).toBeNull();
    expect(await helper.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilUnloaded(programs)).toEqual([]);
  });

  it('after SIGTERM', async ({ rawTracer }) => {
    const { helper, programs } = await rawTracer();
    helper.child.kill('SIGTERM');
    expect(await helper.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilUnloaded(programs)).toEqual([]);
  });

  it('after SIGINT', async ({ rawTracer }) => {
    const { helper, programs } = await rawTracer();
    helper.child.kill('SIGINT');
    expect(await helper.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilUnloaded(programs)).toEqual([]);
  });

  it('after SIGKILL, which it cannot even see', async ({ rawTracer }) => {
    const { helper, programs } = await rawTracer();
    helper.child.kill('SIGKILL');
    expect(await helper.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await waitUntilUnloaded(programs)).toEqual([]);
  });

  it('after trace/stop, while the helper goes on running', async ({ rawTracer }) => {
    const { helper, programs } = await rawTracer();
    expect(attachedLinksOf(helper.pid)).toBe(4);
    await helper.connection.sendRequest(StopRequest, {});
    // The programs stay loaded for the next start, but nothing is attached.
    expect(tracerProgramsOf(helper.pid)).toEqual(programs);
    expect(attachedLinksOf(helper.pid)).toBe(0);
  });
});

describe('two helpers on one machine', () => {
  it('each report their own scope, and one killed leaves the other tracing', async ({ scratch, rawTracer }) => {
    const otherScratch = makeScratchDirectory();
    try {
      const first = await rawTracer();
      const second = await rawTracer({ directory: otherScratch });
      fs.writeFileSync(path.join(scratch, 'a'), '');
      fs.unlinkSync(path.join(scratch, 'a'));

      first.helper.child.kill('SIGKILL');
      await first.helper.exited;
      fs.writeFileSync(path.join(otherScratch, 'b'), '');
      fs.unlinkSync(path.join(otherScratch, 'b'));
      await second.helper.connection.sendRequest(StopRequest, {});

      expect(second.helper.deletions.map((event) => event.path)).toEqual([path.join(otherScratch, 'b')]);
      expect(await waitUntilUnloaded(first.programs)).toEqual([]);
      expect(tracerProgramsOf(second.helper.pid)).toEqual(second.programs);
    } finally {
      removeScratchDirectory(otherScratch);
    }
  });
});
