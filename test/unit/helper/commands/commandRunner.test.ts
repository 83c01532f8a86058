// How every terminal command begins and fails (helper/commands/commandRunner.ts):
// a wrong argument is said with the usage and exit status 2; a failure the
// command expects is said in one line with exit status 1, at once where the
// command asks for it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runCommand } from '../../../../helper/commands/commandRunner';

let stderr: string;

beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

const refuse = (): never => {
  throw new TypeError('--path needs a directory');
};

describe('a terminal command', () => {
  it('says a wrong argument, then its usage, and exits with status 2 without running', () => {
    const run = vi.fn();
    runCommand({ usage: 'usage: pretend [--path DIR]', parse: refuse, run });
    expect(stderr).toBe('syscall-trace: --path needs a directory\nusage: pretend [--path DIR]\n');
    expect(process.exitCode).toBe(2);
    expect(run).not.toHaveBeenCalled();
  });

  it('runs with the options parsed, and says nothing of its own where the run goes well', async () => {
    const run = vi.fn(() => Promise.resolve());
    runCommand({ usage: 'usage', parse: () => ({ path: '/tmp' }), run });
    await vi.waitFor(() => expect(run).toHaveBeenCalledWith({ path: '/tmp' }));
    expect(stderr).toBe('');
    expect(process.exitCode).toBeUndefined();
  });

  it('says a failure it expects in one line, with exit status 1', async () => {
    runCommand({
      usage: 'usage',
      parse: () => ({}),
      run: () => Promise.reject(new RangeError('the recording is damaged')),
      failureMessage: (error) => (error instanceof RangeError ? `cannot read: ${error.message}` : undefined),
    });
    await vi.waitFor(() => expect(stderr).toBe('syscall-trace: cannot read: the recording is damaged\n'));
    expect(process.exitCode).toBe(1);
  });

  it('exits at once after saying its failure, where it asks to', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    runCommand({
      usage: 'usage',
      parse: () => ({}),
      run: () => Promise.reject(new Error('no socket')),
      failureMessage: (error) => (error as Error).message,
      exitOnFailure: true,
    });
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(stderr).toBe('syscall-trace: no socket\n');
  });
});
