// What a guest tells the host: one JSON record per line on the serial
// console, each line starting with GUEST_RECORD_TAG so that the host can tell
// it from the kernel's and busybox's own output on the same console. Shared by
// the guest suite (guest/) and the host's tests, so that neither can read a
// field the other does not write.
import type { ModeChoice } from '../../../common/protocol';
import type { ProgramSetName } from './guestLayout';

export const GUEST_RECORD_TAG = 'SYSCALL-TRACE-GUEST ';

/** The deletions each scenario makes, in every attach mode. */
export const SCENARIOS = [
  'absolute',
  'relative',
  'dirfd-tree',
  'rmdir',
  'ia32',
  'io-uring',
  'mount-namespace',
  'chroot',
  'symlinked-directory',
  'proc-self-fd',
  'outside-scope',
  'replace-by-mv',
  'move-away',
  'rename-32-bit',
  'rename-by-uring',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The fields of a reported deletion that the matrix checks. */
export interface ReportedDeletion {
  path: string;
  complete: boolean;
  abi: string;
  syscall: string;
  directory: boolean;
  result: number;
  /** Where the kernel could not tell the result (io_uring before Linux 5.18). */
  resultUnknown?: boolean;
  processPath?: string;
  /** A rename's destination, and what it did there. */
  movedTo?: string;
  replaced?: boolean;
  replacedUnknown?: boolean;
  renameFlags?: string[];
}

export interface KernelRecord {
  type: 'kernel';
  release: string;
  /** Whether tracefs has io_uring's io_uring_complete tracepoint. */
  ioUringTracepoints: boolean;
  /** Whether the kernel's io_uring has unlinkat requests (its BTF has struct io_unlink: Linux 5.11 and later). */
  ioUringUnlinkRequests: boolean;
}

/** One line of program_report: what the verifier said of one program. */
export interface ProgramRecord {
  type: 'program';
  /** The object: "newer" (deletions.bpf.o) or "older" (deletions_older.bpf.o). */
  programs: ProgramSetName;
  /** The attach mode's programs: "raw" or "tracepoint". */
  mode: string;
  program: string;
  loaded: boolean;
  instructions: number;
  stack: number;
  verifyUs: number;
  loadMs: number;
}

/** program_report's exit status and what it wrote on stderr (a refusal's reason). */
export interface ProgramReportRecord {
  type: 'programReport';
  programs: ProgramSetName;
  exitCode: number | null;
  stderr: string;
}

/** How the terminal command started, as root with SUDO_UID/SUDO_GID of an ordinary user. */
export interface StartRecord {
  type: 'start';
  mode: ModeChoice;
  ready: boolean;
  /** Its exit status, where it ended before it was ready. */
  exitCode: number | null;
  stderr: string;
  /** From its ready line. */
  attachMode?: string;
  /** The program set it loaded. */
  programSet?: string;
  unseen?: string[];
  /** Real, effective, saved and filesystem uids of the tracing process once ready (/proc/PID/status). */
  uids?: number[];
}

export interface ScenarioRecord {
  type: 'scenario';
  mode: ModeChoice;
  scenario: ScenarioName;
  /** The host's paths it deleted (a rename's source). */
  deleted: string[];
  /** Where a rename scenario moved each of them. */
  movedTo?: string[];
  reported: ReportedDeletion[];
  /** Why the scenario could not make its deletions, if it could not. */
  failure?: string;
}

export interface StormRecord {
  type: 'storm';
  mode: ModeChoice;
  deletedCount: number;
  reportedCount: number;
  /** Up to 5 of the deleted paths that were not reported. */
  missing: string[];
  incomplete: number;
  lost: number;
  failure?: string;
}

/** Stop, then Start, over the JSON-RPC stdio server of a helper that has given up its privileges. */
export interface RestartRecord {
  type: 'restart';
  mode: ModeChoice;
  /** The host's paths deleted after trace/stop and trace/start. */
  deleted: string[];
  reported: ReportedDeletion[];
  uids?: number[];
  failure?: string;
}

export interface DoneRecord {
  type: 'done';
}

export type GuestRecord =
  | KernelRecord
  | ProgramRecord
  | ProgramReportRecord
  | StartRecord
  | ScenarioRecord
  | StormRecord
  | RestartRecord
  | DoneRecord;
