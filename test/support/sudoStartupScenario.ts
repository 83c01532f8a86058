// What sudoStartup.test.ts and its driver (sudoStartupDriver.ts, run as the
// test's user) exchange: the scenario on the driver's stdin, the result on
// its stdout.
import type { DeletionEvent, InitializeResult } from '../../common/protocol';

export interface DriverScenario {
  /**
   * launchHelper: as the extension starts the helper. startHelper: the same
   * sudo command line and conversation, with `patienceMs` instead of the
   * launcher's 60 s; the password is asked first, as the launcher asks it.
   */
  entry: 'launchHelper' | 'startHelper';
  /** dist/helper.js in a copy of the extension that the user owns. */
  helperScript: string;
  /** The password box's answers, in turn; null: cancelled. */
  passwords: (string | null)[];
  /** The answers to "sudo did not accept the password", in turn (Try Again: true). */
  retries: boolean[];
  patienceMs?: number;
  /** Once the helper is ready: traced (its directory), then deleted by `rm`. */
  fileToDelete?: string;
  /** Added to the driver's environment before it starts anything, as an extension host's environment may hold them. */
  extensionHostEnvironment?: Record<string, string>;
}

/** Why a patience ran out, as the driver's explain() says it. */
export const explainTimeout = (afterPassword: boolean): string =>
  `nothing came in time (${afterPassword ? 'after' : 'before'} the password was written)`;

export interface DriverResult {
  /** When the driver began (Date.now()). */
  startedAt: number;
  passwordAsked: { at: number; answeredAt: number; cancelled: boolean }[];
  retryOffered: { at: number; answer: boolean }[];
  /** When launchHelper or startHelper resolved or rejected. */
  settledAt: number;
  outcome:
    | { ready: true }
    | { ready: false; error: 'LaunchError' | 'HelperEndedError' | 'StartupTimeoutError' | 'Error'; message: string };
  /** The helper's answer to initialize. */
  info?: InitializeResult;
  /** The helper's Uid, Gid and CapEff lines from /proc/<pid>/status, once ready. */
  status?: { uid: string; gid: string; capEff: string };
  /** The deletion of `fileToDelete`, and the pid of the rm that made it. */
  deletion?: { event: DeletionEvent; rmPid: number };
  /** What the launcher logged (never the password). */
  log: string[];
}
