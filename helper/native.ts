// The native addon (native/): libbpf, the BPF skeleton and the ring buffer.
// Its records are laid out by bpf/deletions.h; `layout` carries that header's
// offsets and constants so that records.ts decodes them without a second copy.
import * as path from 'node:path';

import type { AttachMode } from '../common/protocol';

export interface LostCounts {
  /** Deletion records that found the ring buffer full. */
  deletions: number;
  /** Command-line records that found it full. */
  processes: number;
  /** Calls that found no task storage to wait in between entry and exit. */
  inFlight: number;
}

/** The BPF programs of bpf/deletions.bpf.c, loaded (native/src/deletion_programs.h). */
export interface DeletionPrograms {
  /** Attaches the programs of its attach mode, exits first, and starts delivering records (unless paused). */
  attach(): void;
  /** Detaches and stops delivering by itself: what is still in the ring buffer is taken with deliverWaiting(). */
  detach(): void;
  /**
   * Takes no more records from the ring buffer until resume(), even between
   * the batches of a delivery under way. The kernel holds them meanwhile, and
   * counts those it has no room for as lost.
   */
  pause(): void;
  /** Delivers what came while paused, then goes on delivering as records come. */
  resume(): void;
  /** Delivers the records waiting now: true once none waits, false where pause() came first. */
  deliverWaiting(): boolean;
  setReportFailed(report: boolean): void;
  lost(): LostCounts;
  /** The kernel sends this process's command line again with its next deletion. */
  forgetProcess(tgid: number, execId: number, startTime: bigint): void;
  /** Detaches and frees everything; the programs cannot be used again. */
  close(): void;
}

export interface DeletionProgramsOptions {
  /** Which programs are loaded; raw where absent. */
  attachMode?: AttachMode;
  /** BTF for the running kernel, where /sys/kernel/btf/vmlinux is missing. */
  btfPath?: string;
  /** Kernel memory for records in transit: a power of two, at least a page. */
  ringBufferBytes?: number;
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
  };
  processFlags: { cmdlineTruncated: number; cmdlineUnreadable: number };
  taskCommLen: number;
  cgroupNameMax: number;
  /** directory_names_at_root when the walk never passed the process's root. */
  rootNotPassed: number;
  directoryWalkMaxSteps: number;
}

export interface PrivilegeDropOptions {
  /** Capability numbers every thread keeps; all others leave every set, the bounding set included. */
  keepCapabilities: number[];
  /** The user (and only group) every thread becomes; absent: stay who it is. */
  uid?: number;
  gid?: number;
}

export interface Addon {
  /** Loads the programs (the step that needs privileges); records reach `onRecords` in batches once attached. */
  DeletionPrograms: new (onRecords: (batch: Buffer) => void, options?: DeletionProgramsOptions) => DeletionPrograms;
  layout: RecordLayout;
  /** Applies to every thread of the process (native/src/privileges.h), and sets no_new_privs. */
  dropPrivileges(options: PrivilegeDropOptions): void;
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

export function loadAddon(): Addon {
  if (loaded) return loaded;
  const errors: string[] = [];
  for (const location of addonLocations) {
    try {
      loaded = require(location) as Addon;
      return loaded;
    } catch (error) {
      errors.push(`${location}: ${(error as Error).message}`);
    }
  }
  throw new Error(`the native addon could not be loaded (run "npm run build"):\n${errors.join('\n')}`);
}
