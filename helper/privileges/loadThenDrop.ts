// The helper's first steps, the same for the JSON-RPC server and the terminal
// command (docs/privileges.md, "Privileges"): load the BPF programs where this
// process may, then give up its privileges in every thread, before it reads
// a request or attaches anything. Root is held for the load alone.
import type { ProgramSet } from '../../common/protocol';
import type { DeletionTracer } from '../tracing/deletionTracer';
import { inspectorRefusal, openInspectorUrl } from './inspector';
import {
  describeProgramSet,
  parseProgramsOverride,
  programSetForThisKernel,
  PROGRAMS_VARIABLE,
} from '../tracing/kernelRequirements';
import {
  giveUpPrivileges,
  missingTracingPrivileges,
  ownCredentials,
  type PrivilegesGivenUp,
  type User,
} from './privilegeDrop';
import { messageOf } from '../../common/errors';

export interface LoadFailure {
  /**
   * notPermitted: the process lacks the privileges to load, nothing else went
   * wrong; unsupportedKernel: the kernel lacks a feature that every program
   * set needs, or that the set SYSCALL_TRACE_PROGRAMS asks for needs (no
   * helper can trace on it so); failed: anything else, a
   * SYSCALL_TRACE_PROGRAMS that names no set included.
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

/** Loads, then gives up privileges, becoming `become` where it is given (giveUpPrivileges). */
export function loadThenGiveUpPrivileges(tracer: DeletionTracer, become?: User): LoadedAndDropped {
  const loadFailure = loadWherePermitted(tracer);
  const loaded =
    loadFailure === undefined
      ? { mode: tracer.attachMode, tracepointEventsKept: tracer.tracepointEventsKept }
      : 'nothing loaded';
  try {
    const privileges = giveUpPrivileges(loaded, become);
    // A SIGUSR1 that came before closedInspector.ts took the signal (root's
    // alone to send: the process was root's) has had Node open its inspector
    // by now.
    const inspector = openInspectorUrl();
    if (inspector !== undefined)
      throw new Error(`${inspectorRefusal(`open (${inspector})`)}: it opened while the helper started`);
    return { loadFailure, privileges };
  } catch (error) {
    tracer.close();
    throw new PrivilegeDropError(`the helper could not give up its privileges, so it ends: ${messageOf(error)}`);
  }
}

/** Loads the program set this kernel and the environment call for; why not, where it cannot. */
function loadWherePermitted(tracer: DeletionTracer): LoadFailure | undefined {
  let override: ProgramSet | undefined;
  try {
    override = parseProgramsOverride(process.env[PROGRAMS_VARIABLE]);
  } catch (error) {
    return { kind: 'failed', message: messageOf(error) };
  }
  const missing = missingTracingPrivileges(ownCredentials());
  if (missing !== undefined) return { kind: 'notPermitted', message: missing };
  // Asked only with the privileges to load: without them, every probe fails.
  const choice = programSetForThisKernel(override);
  if ('unsupported' in choice) return { kind: 'unsupportedKernel', message: choice.unsupported };
  tracer.useProgramSet(choice);
  try {
    tracer.load();
  } catch (error) {
    return { kind: 'failed', message: messageOf(error).trimEnd() };
  }
  return undefined;
}

/**
 * What was loaded, for the ready line and the log: "complete mode: raw
 * programs; programs: older (this kernel lacks task storage map, ...)".
 */
export function describeLoaded(tracer: DeletionTracer): string {
  return `${tracer.modeChoice} mode: ${tracer.attachMode} programs; programs: ${describeProgramSet(tracer.programSet, tracer.programSetReason)}`;
}

/** One line for the log: what the helper runs with from now on. */
export function describePrivileges({ uid, kept }: PrivilegesGivenUp): string {
  return `now running as uid ${uid} with ${kept.length === 0 ? 'no capabilities' : `capabilities ${kept.join(', ')} only`}`;
}
