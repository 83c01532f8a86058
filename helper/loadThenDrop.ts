// The helper's first steps, the same for the JSON-RPC server and the terminal
// command (ARCHITECTURE.md, "Privileges"): load the BPF programs where this
// process may, then give up its privileges in every thread, before it reads
// a request or attaches anything. Root is held for the load alone.
import type { DeletionTracer } from './deletionTracer';
import { unsupportedKernel } from './kernelRequirements';
import { giveUpPrivileges, missingTracingPrivileges, ownCredentials, type PrivilegesGivenUp } from './privileges';

export interface LoadFailure {
  /**
   * notPermitted: the process lacks the privileges to load, nothing else went
   * wrong; unsupportedKernel: the kernel lacks a feature the programs need
   * (no helper can trace on it); failed: anything else.
   */
  kind: 'notPermitted' | 'unsupportedKernel' | 'failed';
  /** One line where the kind is notPermitted or unsupportedKernel. */
  message: string;
}

export interface LoadedAndDropped {
  /** Why the programs are not loaded; absent when they are. */
  loadFailure?: LoadFailure;
  privileges: PrivilegesGivenUp;
}

/** A helper that could not give up its privileges must end: it says why. */
export class PrivilegeDropError extends Error {}

export function loadThenGiveUpPrivileges(tracer: DeletionTracer): LoadedAndDropped {
  let loadFailure: LoadFailure | undefined;
  const missing = missingTracingPrivileges(ownCredentials());
  // Asked only with the privileges to load: without them, every probe fails.
  const kernelProblem = missing === undefined ? unsupportedKernel() : undefined;
  if (missing !== undefined) {
    loadFailure = { kind: 'notPermitted', message: missing };
  } else if (kernelProblem !== undefined) {
    loadFailure = { kind: 'unsupportedKernel', message: kernelProblem };
  } else {
    try {
      tracer.load();
    } catch (error) {
      loadFailure = { kind: 'failed', message: (error as Error).message.trimEnd() };
    }
  }
  const loaded = loadFailure === undefined ? { mode: tracer.attachMode, tracepointEventsKept: tracer.tracepointEventsKept } : 'nothing loaded';
  try {
    return { loadFailure, privileges: giveUpPrivileges(loaded) };
  } catch (error) {
    tracer.close();
    throw new PrivilegeDropError(`the helper could not give up its privileges, so it ends: ${(error as Error).message}`);
  }
}

/** One line for the log: what the helper runs with from now on. */
export function describePrivileges({ uid, kept }: PrivilegesGivenUp): string {
  return `now running as uid ${uid} with ${kept.length === 0 ? 'no capabilities' : `capabilities ${kept.join(', ')} only`}`;
}
