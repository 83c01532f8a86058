// The native addon (native/): libbpf, the BPF skeleton and the ring buffer;
// and SQLite, for the recorder.
// Its records are laid out by bpf/deletions.h; `layout` carries that header's
// offsets and constants so that records.ts decodes them without a second copy.
import * as path from 'node:path';

import type { AttachMode, ProgramSet } from '../common/protocol';
import { messageOf } from '../common/errors';

export interface LostCounts {
  /** Deletion records that found the ring buffer full. */
  deletions: number;
  /**
   * Command-line records that found the ring buffer full, or the queue: the
   * kernel sends each again with its process's next deletion.
   */
  processes: number;
  /** Calls that found no task storage to wait in between entry and exit. */
  inFlight: number;
  /** Deletion records taken from the ring buffer that found the queue full (its `queueBytes`). */
  queueFull: number;
  /** Not lost: deletions the kernel found out of scope and did not send (see learnScope). */
  filtered: number;
  /**
   * Calls under way when detach() detached the exit programs, whose end (and
   * so whose record) was not seen: those still under way after the
   * entries were detached and the calls had a moment to end.
   */
  unfinished: number;
  /** Deletion records still waiting, in the queue or the ring buffer, that discardWaiting() threw away. */
  abandoned: number;
}

/**
 * The BPF programs of bpf/deletions.bpf.c, loaded (native/src/deletion_programs.h).
 * While attached, a thread of the addon's own empties the kernel's ring
 * buffer into a queue as fast as the kernel fills it, whatever JavaScript is
 * doing; the records reach `onRecords` from the queue, in batches, on the
 * event loop (native/src/ring_buffer_drain.h).
 */
export interface DeletionPrograms {
  /** Attaches the programs of its attach mode, exits first, and starts delivering records (unless paused). */
  attach(): void;
  /**
   * Detaches, stops the thread and stops delivering by itself: what is still
   * in the queue and the ring buffer is taken with deliverWaiting(), or
   * thrown away, counted, with discardWaiting(). The entries go first; the
   * exits stay until the calls under way have ended (at most 200 ms, which
   * this call blocks for), and those that have not are counted (`unfinished`).
   */
  detach(): void;
  /**
   * Once detached: empties the queue and the ring buffer without delivering,
   * for a helper that must end now; counts the deletions among them lost
   * (`abandoned`) and returns how many.
   */
  discardWaiting(): number;
  /**
   * Delivers no more records until resume(), even between the batches of a
   * delivery under way. The thread goes on filling the queue meanwhile, and
   * counts the records it has no room for as lost (`queueFull`, and
   * `processes`).
   */
  pause(): void;
  /** Delivers what came while paused, then goes on delivering as records come. */
  resume(): void;
  /**
   * Delivers the records waiting now, in the queue and, once detached, in the
   * ring buffer: true once none waits, false where pause() came first.
   */
  deliverWaiting(): boolean;
  setReportFailed(report: boolean): void;
  /** Whether io_uring's unlink requests are traced: false on a kernel without io_uring or its tracepoints. */
  readonly tracesIoUring: boolean;
  /** Why io_uring's programs were left out although the kernel has its tracepoints, or, where they were loaded, what they cannot tell; empty where neither. */
  readonly ioUringProblem: string;
  /** Bytes of records in the queue now, waiting for `onRecords`. */
  readonly queuedBytes: number;
  /** The most bytes the queue has held since the latest attach(): at most `queueBytes`. */
  readonly peakQueuedBytes: number;
  lost(): LostCounts;
  /** Every thread forgets the directory it remembers: records name their directories in full again. */
  forgetDirectories(): void;
  /**
   * The kernel sends every deletion again (no scope of its own), and
   * forgets the folders it was shown.
   */
  clearScope(): void;
  /**
   * Shows the kernel the folders open at `fds` (O_PATH), through unlinkat(fd,
   * "", 0) from this thread while the programs are attached; returns how many
   * it learned. Where it learned them all, it sends only what is in scope,
   * or what it cannot tell. At most SCOPE_DIRECTORIES_MAX (16).
   */
  learnScope(fds: number[]): number;
  /** The kernel sends this process's command line again with its next deletion. */
  forgetProcess(tgid: number, execId: number, startTime: bigint): void;
  /** Detaches and frees everything; the programs cannot be used again. */
  close(): void;
}

export interface DeletionProgramsOptions {
  /** Which programs are loaded; raw where absent. */
  attachMode?: AttachMode;
  /** Which of the two objects they come from; newer where absent. */
  programSet?: ProgramSet;
  /**
   * Tracepoint mode: the perf events that carry the programs are opened at
   * the load and kept until close(), each attach taking a duplicate, rather
   * than opened at each attach (helper/privileges/privilegeDrop.ts says when).
   */
  keepTracepointEvents?: boolean;
  /** BTF for the running kernel, where /sys/kernel/btf/vmlinux is missing. */
  btfPath?: string;
  /** Kernel memory for records in transit: a power of two, at least a page. */
  ringBufferBytes?: number;
  /**
   * The helper's memory for records taken from the ring buffer that wait for
   * `onRecords` (each counts its bytes and 4 more): a whole number from 64 KiB
   * to 4 GiB; 64 MiB where absent.
   */
  queueBytes?: number;
}

/** Field offsets of one C struct, by field name, plus its size. */
export type StructLayout = Record<string, number> & { size: number };

export interface RecordLayout {
  deletion: StructLayout;
  process: StructLayout;
  processKey: StructLayout;
  ancestor: StructLayout;
  recordKinds: { deletion: number; process: number };
  syscalls: Record<number, string>;
  abis: Record<number, string>;
  deletionFlags: {
    directory: number;
    lookupFailed: number;
    directoryIncomplete: number;
    pathUnreadable: number;
    pathTruncated: number;
    foreignNamespace: number;
    filesystemPathIncomplete: number;
    procLinkUnresolved: number;
    resultNotPosted: number;
    directoryNamed: number;
    directoryKnown: number;
    inScope: number;
    dropped: number;
  };
  /** enum rename_facts: deletion_record.rename. */
  renameFacts: {
    flags: number;
    targetExisted: number;
    targetAbsent: number;
    sameFile: number;
    destination: number;
    destinationLost: number;
  };
  processFlags: { cmdlineTruncated: number; cmdlineUnreadable: number };
  taskCommLen: number;
  cgroupNameMax: number;
  /** directory_names_at_root when the walk never passed the process's root. */
  rootNotPassed: number;
  directoryWalkMaxSteps: number;
}

/** A kernel feature the programs need: "task storage map", which came in Linux "5.11". */
export interface KernelFeature {
  feature: string;
  since: string;
}

/** What each program set needs that this kernel lacks, oldest first: empty where it has everything. */
export type MissingKernelFeatures = Record<ProgramSet, KernelFeature[]>;

export interface PrivilegeDropOptions {
  /** Capability numbers every thread keeps; all others leave every set, the bounding set included. */
  keepCapabilities: number[];
  /** The user (and only group) every thread becomes; absent: stay who it is. */
  uid?: number;
  gid?: number;
}

/** A value SQLite stores: integers within 2^53 come back as numbers, BLOBs as Buffers. */
export type SqlValue = null | number | string | Buffer;
/** What may be bound to a parameter: booleans are stored as 0 and 1, undefined as NULL. */
export type SqlParameter = SqlValue | boolean | bigint | undefined;

/**
 * A prepared statement of a Database (native/src/sqlite_binding.cc). Its
 * parameters are bound in order from an array; rows come back as arrays of
 * their columns' values. A failure throws an Error whose `code` names
 * SQLite's result ("SQLITE_FULL", "SQLITE_CORRUPT") and `errno` holds the
 * extended result code.
 */
export interface Statement {
  run(parameters?: readonly SqlParameter[]): { changes: number; lastInsertRowid: number };
  /** Runs the statement once per row; the total of rows changed. A failure carries `index`, the row it failed at. */
  runMany(rows: readonly (readonly SqlParameter[])[]): number;
  /**
   * Runs the statement once per row of `columns`, one per parameter, all of
   * one length: a Float64Array (whole numbers bound as integers) or an array
   * of values. The total of rows changed; a failure carries `index`.
   */
  runColumns(columns: readonly (Float64Array | readonly SqlParameter[])[]): number;
  all(parameters?: readonly SqlParameter[]): SqlValue[][];
  /**
   * all(), stepped on a thread of libuv's pool: JavaScript's thread goes on
   * meanwhile. Only on a Database opened `threaded`; the statement refuses
   * every other use until the promise settles.
   */
  allAsync(parameters?: readonly SqlParameter[]): Promise<SqlValue[][]>;
  get(parameters?: readonly SqlParameter[]): SqlValue[] | undefined;
  finalize(): void;
}

/** One connection to a SQLite database, used from JavaScript's thread only (but for allAsync()). */
export interface Database {
  exec(sql: string): void;
  prepare(sql: string): Statement;
  /** Finalizes its statements and closes; later calls throw. */
  close(): void;
  readonly open: boolean;
  readonly inTransaction: boolean;
}

/** An Error from SQLite: `code` is its primary result code's name. */
export interface SqliteError extends Error {
  code?: string;
  errno?: number;
}

export interface Addon {
  /** Loads the programs (the step that needs privileges); records reach `onRecords` in batches once attached. */
  DeletionPrograms: new (onRecords: (batch: Buffer) => void, options?: DeletionProgramsOptions) => DeletionPrograms;
  layout: RecordLayout;
  /**
   * What each program set needs that this kernel lacks
   * (native/src/kernel_features.h). Needs the privileges to load: it loads
   * probe programs.
   */
  missingKernelFeatures(): MissingKernelFeatures;
  /** Applies to every thread of the process (native/src/privileges.h), and sets no_new_privs. */
  dropPrivileges(options: PrivilegeDropOptions): void;
  /** Who connected the unix socket `fd` (SO_PEERCRED): the kernel's record, which the peer cannot forge. */
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  /**
   * Opens (and, unless read-only, makes) a SQLite database file; a symbolic
   * link at its path is refused (SQLITE_CANTOPEN_SYMLINK). `threaded`: its
   * statements may run allAsync().
   */
  Database: new (file: string, options?: { readOnly?: boolean; threaded?: boolean }) => Database;
  /** The version of the system's SQLite the addon runs with. */
  sqliteVersion: string;
}

/**
 * In the bundle (dist/helper.js) the addon lies beside the script; when the
 * sources run directly (the unit tests), it is where node-gyp built it.
 */
const addonLocations = [
  path.join(__dirname, 'syscall_trace.node'),
  path.join(__dirname, '..', 'native', 'build', 'Release', 'syscall_trace.node'),
];

let loaded: Addon | undefined;

/** The addon could not be loaded: its message, one line, says what to do. */
export class AddonLoadError extends Error {}

export function loadAddon(): Addon {
  if (loaded) return loaded;
  const attempts: AddonLoadAttempt[] = [];
  for (const location of addonLocations) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a .node file found at run time loads only through require()
      loaded = require(location) as Addon;
      return loaded;
    } catch (error) {
      attempts.push({ location, code: (error as NodeJS.ErrnoException).code, message: messageOf(error) });
    }
  }
  throw new AddonLoadError(addonLoadFailure(attempts));
}

/** One location tried, and how require() failed there. */
export interface AddonLoadAttempt {
  location: string;
  /** Node's error code: MODULE_NOT_FOUND where no file is there, ERR_DLOPEN_FAILED where dlopen() refused it. */
  code?: string;
  message: string;
}

/**
 * The Debian and Ubuntu package of each library that the addon, or the
 * libbpf.so.1 shipped beside it, links to. On Debian 13 and Ubuntu 24.04
 * libelf.so.1 comes in libelf1t64, which provides libelf1 on 64-bit
 * machines, so `apt-get install libelf1` installs it there too.
 */
const LIBRARY_PACKAGES: Record<string, string> = {
  'libelf.so.1': 'libelf1',
  'libz.so.1': 'zlib1g',
  'libbpf.so.1': 'libbpf1',
  'libsqlite3.so.0': 'libsqlite3-0',
};

/**
 * What a person reads when no location held an addon that loads, in one
 * line, since the extension shows the helper's last line on stderr. "npm
 * run build" helps only where no addon was found (a source checkout not yet
 * built); where one was found but a library it links is missing, dlopen()
 * names that library ("libelf.so.1: cannot open shared object file: No such
 * file or directory"), and its package is what to install.
 */
export function addonLoadFailure(attempts: readonly AddonLoadAttempt[]): string {
  const found = attempts.find((attempt) => attempt.code !== 'MODULE_NOT_FOUND');
  if (found === undefined) {
    return `the native addon is not built (looked for ${attempts.map((attempt) => attempt.location).join(' and ')}): run "npm run build"`;
  }
  const library = /^([^/\s:]+): cannot open shared object file: No such file or directory/.exec(found.message)?.[1];
  if (library === undefined)
    return `the native addon ${found.location} could not be loaded: ${found.message.split('\n')[0]}`;
  const packageName = LIBRARY_PACKAGES[library];
  if (packageName === undefined)
    return `the native addon needs the system library ${library}: install the package that provides it`;
  return `the native addon needs the system library ${library}: install it (Debian/Ubuntu: \`sudo apt-get install ${packageName}\`)`;
}
