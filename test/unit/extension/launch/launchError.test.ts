// What the extension shows where the helper says that no helper can trace on
// this kernel: the helper's own line, as a warning, naming the kernel's
// release, the release needed and what is missing.
import { ResponseError } from 'vscode-jsonrpc/node';
import { describe, expect, it } from 'vitest';

import { HelperErrorCodes } from '../../../../common/protocol';
import { asLaunchError, LaunchError } from '../../../../extension/launch/launchError';
import { unsupportedKernelMessage } from '../../../../helper/tracing/kernelRequirements';

describe('asLaunchError', () => {
  it('shows a kernel too old for the programs as it is, naming the kernel, Linux 5.10 and the missing feature', () => {
    const line = unsupportedKernelMessage('5.4.0-216-generic', [{ feature: 'BPF ring buffer map', since: '5.8' }]);
    const shown = asLaunchError(new ResponseError(HelperErrorCodes.UnsupportedKernel, line));
    expect(shown).toBeInstanceOf(LaunchError);
    expect((shown as LaunchError).message).toBe(
      'This kernel, Linux 5.4.0-216-generic, is too old for Syscall Trace, which needs Linux 5.10 or later: it lacks BPF ring buffer map (Linux 5.8).',
    );
  });

  it('leaves every other failure as it was, for the log and the error notification', () => {
    const refused = new ResponseError(HelperErrorCodes.TracingFailed, 'trace/start: the kernel refused');
    expect(asLaunchError(refused)).toBe(refused);
    const other = new Error('the helper exited with status 1');
    expect(asLaunchError(other)).toBe(other);
  });
});
