// What the helper says about deletions, in the one shape that both its faces
// (the JSON-RPC server and the terminal command's --jsonl) and the extension
// use. docs/wire-protocol.md, "Wire protocol", describes every message, field and
// error code.
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export type DeletionSyscall = 'unlink' | 'unlinkat' | 'rmdir' | RenameSyscall;
/** The calls that take a name away by moving a file there or elsewhere (docs/kernel-programs.md, "Renames"). */
export type RenameSyscall = 'rename' | 'renameat' | 'renameat2';
export const RENAME_SYSCALLS: readonly RenameSyscall[] = ['rename', 'renameat', 'renameat2'];

export interface Ancestor {
  pid: number;
  comm: string;
}

export interface DeletionEvent {
  /** Strictly increasing within one helper. */
  seq: number;
  /** ISO-8601 wall-clock time at which the call began. */
  time: string;
  syscall: DeletionSyscall;
  /**
   * Which syscall table the call came through: "x86_64", "ia32", "arm64",
   * "aarch32"; or "io_uring" for a request submitted through an io_uring
   * (IORING_OP_UNLINKAT: syscall is then "unlinkat"; IORING_OP_RENAMEAT:
   * "renameat").
   */
  abi: string;
  /** rmdir, or unlinkat with AT_REMOVEDIR; for a rename, a directory moved. */
  directory: boolean;
  /**
   * The file's path on the host: as the helper's own root and mount namespace
   * see it, absolute, normalised, with every directory's symlinks resolved,
   * whatever mount namespace or root the deleting process had and however it
   * named the directory. Where `complete` is false, it starts with "…/" and
   * holds what is known. docs/path-resolution.md, "Path resolution", says how.
   */
  path: string;
  /** base64 of the path's bytes, present only where they are not valid UTF-8. */
  pathBytes?: string;
  /** Exactly what the process passed. */
  pathArg: string;
  /** False where the host's path could not be known in full. */
  complete: boolean;
  /**
   * The path as the deleting process saw it, in its own root and mount
   * namespace (a container's `/app/x` for the host's `/srv/app/x`); present
   * only where it differs from `path` and is known.
   */
  processPath?: string;
  /** base64 of processPath's bytes, present only where they are not valid UTF-8. */
  processPathBytes?: string;
  /** The inode number of the deleting process's mount namespace (as in /proc/PID/ns/mnt). */
  mountNamespace: number;
  /** The container the process ran in, where its cgroup names one. */
  container?: Container;
  /** 0, or -errno. */
  result: number;
  /**
   * True where the result is not known: an io_uring request that posted no
   * completion (IOSQE_CQE_SKIP_SUCCESS, with which the kernel's unlinkat
   * posts none whether it succeeds or fails; or a completion queue that
   * overflowed). `result` is then 0, and the deletion is reported whether or
   * not failures are asked for.
   */
  resultUnknown?: true;
  /** The errno name, where result < 0. */
  error?: string;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  cgroupId: number;
  /** The process's name: its main thread's. */
  comm: string;
  /** The name of the thread that deleted (or submitted the io_uring request), where it is not `comm`. */
  threadName?: string;
  /** argv of the deleting process; empty where it could not be had. */
  cmdline: string[];
  /** Parent first. */
  ancestors: Ancestor[];

  // A rename (syscall rename, renameat or renameat2, or io_uring's renameat)
  // is one event: `path` is its source, the name that is gone, and these
  // fields are present on renames only.

  /** The destination's host path, resolved as `path` is. */
  movedTo?: string;
  /** base64 of movedTo's bytes, present only where they are not valid UTF-8. */
  movedToBytes?: string;
  /** False where movedTo could not be known in full (it then starts with "…/"). */
  movedToComplete?: boolean;
  /**
   * True where a file or an empty directory at `movedTo` was replaced and its
   * old content is gone; false where nothing was (no file was there,
   * RENAME_NOREPLACE, RENAME_EXCHANGE, both names were links to one file, or
   * the rename failed). Absent where that is not known: see replacedUnknown.
   */
  replaced?: boolean;
  /**
   * True where the kernel could not tell whether something was at `movedTo`
   * when the rename ran (its name was not in the dentry cache, on a file
   * system that keeps names on disk); `replaced` is then absent, never a
   * guess.
   */
  replacedUnknown?: true;
  /** renameat2 with RENAME_EXCHANGE: the two names swapped files, both survive, nothing is replaced. */
  exchanged?: boolean;
  /** renameat2's flags by name ("RENAME_NOREPLACE", "RENAME_EXCHANGE", "RENAME_WHITEOUT"); present where any was passed. */
  renameFlags?: string[];
}

/** Whether the event is a rename rather than an unlink or rmdir. */
export function isRename(event: Pick<DeletionEvent, 'movedTo'>): boolean {
  return event.movedTo !== undefined;
}

/**
 * A container, as the deleting process's cgroup names it: `docker-<id>.scope`
 * or `/docker/<id>` (docker), `libpod-<id>.scope` (podman),
 * `cri-containerd-<id>.scope` (containerd), `crio-<id>.scope` (cri-o).
 */
export interface Container {
  engine: 'docker' | 'podman' | 'containerd' | 'cri-o';
  /** The full id, as the cgroup holds it. */
  id: string;
}

/**
 * Which kernel programs carry the deletions (bpf/deletions.bpf.c), fixed for
 * the life of a helper once it has loaded them:
 * - "raw": raw tracepoints on sys_enter and sys_exit. A program runs at every
 *   syscall of the machine; deletions by 32-bit programs are seen too.
 * - "tracepoint": the syscall tracepoints of unlink, unlinkat and rmdir. A
 *   program runs at those syscalls only, but the kernel does not show them
 *   deletions by 32-bit (ia32) programs on a 64-bit kernel.
 * Both also carry io_uring's unlink requests (io_uring's own tracepoints).
 */
export type AttachMode = 'raw' | 'tracepoint';
export const ATTACH_MODES: readonly AttachMode[] = ['raw', 'tracepoint'];

/**
 * What a client or the terminal command asks for (`--mode`, the
 * syscallTrace.attachMode setting):
 * - "complete", the default: every deletion the kernel makes, at the least
 *   cost per syscall that sees them all. That is "tracepoint" where the kernel
 *   cannot run 32-bit programs (no IA32 emulation, or ia32_emulation=0), and
 *   "raw" wherever it can: the syscall tracepoints cost less (BENCHMARKS.md
 *   has the figures) but do not see 32-bit programs.
 * - "raw": the raw tracepoints, always.
 * - "tracepoint-without-32-bit": the syscall tracepoints, always: cheaper per
 *   syscall, blind to the deletions of 32-bit programs where the kernel runs them.
 */
export type ModeChoice = 'complete' | 'raw' | 'tracepoint-without-32-bit';
export const MODE_CHOICES: readonly ModeChoice[] = ['complete', 'raw', 'tracepoint-without-32-bit'];
export const DEFAULT_MODE_CHOICE: ModeChoice = 'complete';
/** The choice that takes these programs on every kernel. */
export const CHOICE_FOR_PROGRAMS: Readonly<Record<AttachMode, ModeChoice>> = {
  raw: 'raw',
  tracepoint: 'tracepoint-without-32-bit',
};

/**
 * Which of the two objects built from bpf/deletions.bpf.c the helper loaded
 * (docs/kernel-programs.md, "Two program sets"): the same programs, built for two
 * generations of kernels.
 * - "newer": task storage and bpf_get_current_task_btf() in tracing programs
 *   (Linux 5.12 and later, or a kernel that backported them).
 * - "older": per-thread hash maps and probe reads of the current task, for
 *   kernels from Linux 5.10.
 */
export type ProgramSet = 'newer' | 'older';
export const PROGRAM_SETS: readonly ProgramSet[] = ['newer', 'older'];

/** Which deletions to report: those under any of `paths`, or all of them. */
export type Scope = { paths: string[] } | 'system';

export interface TraceStats {
  /** Deletions reported. */
  events: number;
  /**
   * Deletions that never reached the client: the kernel's ring buffer was
   * full, or the addon's queue (--queue-mib). While the client is behind, the
   * queue holds what the kernel sends, so this is all the loss there is, a
   * slow client's included. At the end, also the calls still under way when
   * the programs were detached, and what a helper that had to end at once
   * left undelivered.
   */
  lost: number;
  /** Deletions seen but not reported: outside the scope (in the kernel or in the helper), or failed while failures are not wanted. */
  filtered: number;
  /** Command lines the ring buffer or the queue could not deliver; their deletions carry an empty cmdline. */
  lostCommandLines: number;
}

// ---------------------------------------------------------------------------
// The wire protocol: JSON-RPC 2.0 over the helper's stdin/stdout, with
// vscode-jsonrpc's Content-Length framing. Each method is one named constant
// carrying its method string and its typed params and result, so that the
// helper (helper/server/stdioServer.ts) and the extension (extension/) cannot disagree
// without the build failing on one side.

/** Raised when a change to this file would break a client built against an older one. */
export const PROTOCOL_VERSION = 4;

/**
 * Starting the helper: `node dist/helper.js --stdio [--mode MODE]` (a ModeChoice).
 * It loads its programs in that mode (DEFAULT_MODE_CHOICE where absent),
 * gives up its privileges in every thread, and only then writes this line,
 * alone, on stderr and begins to read stdin. A client writes nothing to the
 * helper's stdin before it has read this line: until then stdin belongs to
 * whatever started the helper (sudo reads the password from it), and a
 * helper that runs as root never reads a byte of JSON-RPC. A helper that
 * could not load its programs (no privileges, no BTF) still announces itself
 * and serves: its trace/start answers why it cannot trace.
 */
export const HELPER_READY_LINE = `syscall-trace: ready for JSON-RPC on stdin, protocol ${PROTOCOL_VERSION}`;

export interface InitializeParams {
  protocolVersion: number;
  /**
   * The mode the client expects: refused (WrongState) when the helper was
   * started with another `--mode`. Absent: whichever it was started with.
   */
  attachMode?: ModeChoice;
}

export interface InitializeResult {
  protocolVersion: number;
  helperVersion: string;
  kernelRelease: string;
  arch: string;
  pid: number;
  /** The mode this helper was started with (`--mode`), and the programs it chose for it. */
  modeChoice: ModeChoice;
  attachMode: AttachMode;
  /** Which program set it loaded for this kernel. */
  programSet: ProgramSet;
  /**
   * Deletions this helper cannot see, each said in a sentence: empty where
   * it sees every deletion the kernel makes. 32-bit programs' in
   * "tracepoint-without-32-bit" mode; io_uring's on a kernel without its
   * tracepoints.
   */
  unseen: string[];
  /** The helper's own mount namespace, the host's: a DeletionEvent.mountNamespace other than this one is a container's or some other process's own. */
  mountNamespace: number;
  /** Present only where the helper is the recorder (`record`, on its socket): what it keeps. */
  recorder?: RecorderStatus;
}

export interface StartParams {
  scope: Scope;
  /** Also report deletions that failed (result < 0). Default false. */
  includeFailed?: boolean;
}

export interface StartResult {
  /** ISO-8601 wall-clock time at which the programs were attached. */
  startedAt: string;
}

export interface SetScopeParams {
  scope: Scope;
}

/** Methods that take no parameters accept `{}` (or none). */
export type NoParams = Record<string, never> | undefined;

export interface DeletionsParams {
  events: DeletionEvent[];
}

export interface LostParams {
  /** Everything lost so far in this helper: deletions the kernel's ring buffer had no room for. */
  lost: number;
}

// ---------------------------------------------------------------------------
// The recorder: `node dist/helper.js record` traces the whole system for as
// long as it runs, writes every deletion into a SQLite database, and serves
// this same protocol on a unix socket to root and the users it admits, with
// history/query beside the trace/ methods. Its deletions' `seq` is their
// number in the recording, the same live and in history, so that a client
// that asks for both can tell the ones it has. docs/flight-recorder.md, "Flight
// recorder", is the contract.

export const RECORDER_SOCKET_DEFAULT = '/run/syscall-trace/recorder.sock';
export const RECORDER_DATABASE_DEFAULT = '/var/lib/syscall-trace/deletions.db';
/** Deletions older than this are deleted from the recording (`record --retain-days`). */
export const RETAIN_DAYS_DEFAULT = 30;
/** The recording is kept below this size, its oldest deletions going first (`record --retain-mib`). */
export const RETAIN_MIB_DEFAULT = 1024;
/** The most deletions one history/query answers with; `more` says where there are older ones. */
export const HISTORY_PAGE_MAX = 10_000;

export interface RecorderStatus {
  /** The database file. */
  database: string;
  /** Deletions since the recorder started that could not be written to the database. */
  unrecorded: number;
  /** Why writing fails now (a full disk, a read-only or corrupt database); absent while it works. */
  problem?: string;
  /** ISO-8601 time of the oldest deletion kept; absent while none is. */
  oldest?: string;
  retainDays: number;
  retainMib: number;
  /**
   * Whose deletions this client is shown, live and in history: `system`,
   * every user's (root, and members of the recorder's --allow-group);
   * `own`, only those of processes of its own uid (a uid of --allow-uid).
   * Absent from a recorder that predates it.
   */
  sees?: RecorderView;
}

export type RecorderView = 'own' | 'system';

/**
 * From the recorder, the one message a peer it will not serve is sent: then
 * it closes the connection without reading anything the peer sent.
 */
export interface RefusedParams {
  /** HelperErrorCodes.NotAdmitted or HelperErrorCodes.TooManyConnections. */
  code: number;
  /** Says why, in words a client can show. */
  message: string;
}

export interface HistoryParams {
  /** Deletions at or under these paths, or all. */
  scope: Scope;
  /** ISO-8601: deletions at or after this time; absent: from the oldest kept. */
  since?: string;
  /** ISO-8601: deletions before this time; absent: up to now. */
  until?: string;
  /** Only deletions whose seq is below this: the page before one already had. */
  before?: number;
  /** At most this many, the newest that match: 1 to HISTORY_PAGE_MAX; absent: HISTORY_PAGE_MAX. */
  limit?: number;
  /** Also deletions that failed. Default false. */
  includeFailed?: boolean;
}

export interface HistoryResult {
  /** Oldest first; what the recorder had taken from the kernel when the request came is all written, and so in here where it matches. */
  events: DeletionEvent[];
  /** True where older deletions match too: ask again with `before` the first event's seq. */
  more: boolean;
  /** Rows of this page that could not be read back (a damaged recording) and are left out; absent where none. */
  unreadable?: number;
}

export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, void>('initialize');
export const StartRequest = new RequestType<StartParams, StartResult, void>('trace/start');
export const SetScopeRequest = new RequestType<SetScopeParams, Record<string, never>, void>('trace/setScope');
export const StopRequest = new RequestType<NoParams, TraceStats, void>('trace/stop');
export const StatsRequest = new RequestType<NoParams, TraceStats, void>('trace/stats');
export const ShutdownRequest = new RequestType<NoParams, null, void>('shutdown');

export const HistoryRequest = new RequestType<HistoryParams, HistoryResult, void>('history/query');

export const DeletionsNotification = new NotificationType<DeletionsParams>('trace/deletions');
export const LostNotification = new NotificationType<LostParams>('trace/lost');
/** From the recorder: its RecorderStatus, whenever `unrecorded` or `problem` changes (at most once a second). */
export const RecorderStatusNotification = new NotificationType<RecorderStatus>('recorder/status');
/** From the recorder, at once, to a peer it will not serve: the only message it gets before the connection closes. */
export const RecorderRefusedNotification = new NotificationType<RefusedParams>('recorder/refused');

/**
 * Error codes of the helper's own, beside JSON-RPC's: -32700 a body that is
 * not JSON, -32600 not a JSON-RPC request, -32601 an unknown method, -32602 a
 * wrong parameter (its message says which and why).
 */
export const HelperErrorCodes = {
  /** The request does not fit what the helper is doing: trace/start while tracing, trace/stop before trace/start, any trace/ request before initialize. */
  WrongState: -32001,
  /** The helper lacks the privileges to load the BPF programs. */
  NotPermitted: -32002,
  /** The kernel refused to trace (no BTF, verifier rejection, ...); the message says why. */
  TracingFailed: -32003,
  /** The recorder's socket (recorder/refused): this peer's uid is not one the recorder admits. The message says who can admit it. */
  NotAdmitted: -32004,
  /** history/query: the recording cannot be read (corrupt, missing); the message says why. Live tracing goes on. */
  HistoryUnavailable: -32005,
  /**
   * initialize and trace/start: the kernel lacks a feature that every program
   * set needs (it is older than Linux 5.10, and nothing backported it), or one
   * that the set SYSCALL_TRACE_PROGRAMS asks for needs; the message, one line,
   * names the kernel's release, the release needed and what is missing.
   */
  UnsupportedKernel: -32006,
  /** The recorder's socket (recorder/refused): this peer's uid has as many connections open as the recorder serves one uid. */
  TooManyConnections: -32007,
} as const;

/**
 * The helper's --queue-mib (both commands): memory for the deletions taken
 * from the kernel that wait for JavaScript, the client or the terminal; what
 * finds it full is counted lost (docs/helper.md, "Back-pressure and loss").
 */
export const QUEUE_MIB_DEFAULT = 64;
export const QUEUE_MIB_MAX = 4096;

/** `--queue-mib N` as given: a whole number of MiB from 1 to QUEUE_MIB_MAX, else undefined. */
export function parseQueueMib(given: string): number | undefined {
  if (!/^\d+$/.test(given)) return undefined;
  const mib = Number(given);
  return mib >= 1 && mib <= QUEUE_MIB_MAX ? mib : undefined;
}

/** Batching of trace/deletions: a batch is sent when it is this old or this large, whichever comes first. */
export const DELETIONS_FLUSH_MS = 50;
export const DELETIONS_FLUSH_COUNT = 1000;
