// A start that was refused or cancelled in a way the person should read as it
// is (shown as a warning, with no log to look at): a dismissed dialog, a
// refused password, a file others could change, a kernel too old to trace.
import { ResponseError } from 'vscode-jsonrpc/node';

import { HelperErrorCodes } from '../../common/protocol';
import { capitalised } from '../sentences';

export class LaunchError extends Error {}

/**
 * A helper's refusal that says all there is to say, as a LaunchError: where
 * the kernel lacks what the programs need (UnsupportedKernel), the helper's
 * one line names the kernel's release, the release needed and what is
 * missing, and no log, no retry and no other helper would add to it. Any
 * other error is returned as it is.
 */
export function asLaunchError(error: unknown): unknown {
  if (!(error instanceof ResponseError) || error.code !== HelperErrorCodes.UnsupportedKernel) return error;
  const line = error.message.trim();
  // Only a full stop counts as its end here: a line that ends "!" or "?" gets one too.
  return new LaunchError(`${capitalised(line)}${line.endsWith('.') ? '' : '.'}`);
}
