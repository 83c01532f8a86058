// What the helper says about deletions, in the one shape that both its faces
// (the JSON-RPC server and the terminal command's --jsonl) and the extension
// use. See DESIGN.md, "DeletionEvent".

export type DeletionSyscall = 'unlink' | 'unlinkat' | 'rmdir';

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
  /** Which syscall table the call came through: "x86_64", "ia32", "arm64", "aarch32". */
  abi: string;
  /** rmdir, or unlinkat with AT_REMOVEDIR. */
  directory: boolean;
  /** Absolute and normalised; where `complete` is false, it starts with "…/" and holds what is known. */
  path: string;
  /** base64 of the path's bytes, present only where they are not valid UTF-8. */
  pathBytes?: string;
  /** Exactly what the process passed. */
  pathArg: string;
  /** False where the path could not be resolved to the root. */
  complete: boolean;
  /** 0, or -errno. */
  result: number;
  /** The errno name, where result < 0. */
  error?: string;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  cgroupId: number;
  comm: string;
  /** argv of the deleting process; empty where it could not be had. */
  cmdline: string[];
  /** Parent first. */
  ancestors: Ancestor[];
}

/** Which deletions to report: those under any of `paths`, or all of them. */
export type Scope = { paths: string[] } | 'system';

export interface TraceStats {
  /** Deletions reported. */
  events: number;
  /** Deletions the kernel could not deliver: the ring buffer was full. */
  lost: number;
  /** Deletions seen but not reported: outside the scope, or failed while failures are not wanted. */
  filtered: number;
  /** Command lines the kernel could not deliver; their deletions carry an empty cmdline. */
  lostCommandLines: number;
}
