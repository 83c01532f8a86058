// The helper's first steps, the same for the JSON-RPC server and the terminal
// command (ARCHITECTURE.md, "Privileges"): load the BPF programs where this
// process may, then give up its privileges in every thread, before it reads
// a request or attaches anything. Root is held for the load alone.
import type { DeletionTracer } from './deletionTracer';
import { giveUpPrivileges, missingTracingPrivileges, ownCredentials, type PrivilegesGivenUp } from './privileges';

export interface LoadFailure {
  /** The process lacks the privileges to load: nothing else went wrong. */
  notPermitted: boolean;
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
  if (missing !== undefined) {
    loadFailure = { notPermitted: true, message: missing };
  } else {
    try {
      tracer.load();
    } catch (error) {
      loadFailure = { notPermitted: false, message: (error as Error).message.trimEnd() };
    }
  }
  try {
    return { loadFailure, privileges: giveUpPrivileges(loadFailure === undefined ? tracer.attachMode : 'nothing loaded') };
  } catch (error) {
    tracer.close();
    throw new PrivilegeDropError(`the helper could not give up its privileges, so it ends: ${(error as Error).message}`);
  }
}

/** One line for the log: what the helper runs with from now on. */
export function describePrivileges({ uid, kept }: PrivilegesGivenUp): string {
  return `now running as uid ${uid} with ${kept.length === 0 ? 'no capabilities' : `capabilities ${kept.join(', ')} only`}`;
}
