// Command lines and ancestors, by process image. The kernel sends them once,
// ahead of a process's first deletion; this cache keeps them for the events
// that follow, up to a bound. A key it drops is handed to `onForget`, which
// tells the kernel to send that process again should it delete once more.
//
// A command line the kernel could not read (its pages were not in memory, and
// a BPF program cannot fault them in) is read from /proc while the process
// lives; the kernel also sends the process again with its next deletion, and
// an empty command line never replaces one that is known.
import * as fs from 'node:fs';

import type { Container } from '../../common/protocol';
import { containerOfCgroup } from './containers';
import type { ProcessKey, ProcessRecord } from './records';

export interface ProcessInfo {
  cmdline: string[];
  ancestors: { pid: number; comm: string }[];
  /** The container its cgroup names, if any. */
  container?: Container;
}

export function processKeyId(key: ProcessKey): string {
  return `${key.tgid}/${key.execId}/${key.startTime}`;
}

/** The command line of a process that still runs as `key` names it; undefined where it does not. */
export type LiveCommandLine = (key: ProcessKey) => string[] | undefined;

export class ProcessCache {
  // A Map iterates in insertion order; re-inserting on each use makes its
  // first key the least recently used one.
  private readonly entries = new Map<string, { key: ProcessKey; info: ProcessInfo }>();
  // The deletions of a storm come from one process after another, so most
  // lookups ask for the process the previous one found: that one is already
  // the most recently used, and needs neither its id nor a move in the map.
  private last: { key: ProcessKey; info: ProcessInfo } | undefined;

  constructor(
    private readonly capacity: number,
    private readonly onForget: (key: ProcessKey) => void,
    private readonly liveCommandLine: LiveCommandLine = readLiveCommandLine,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** `cmdlineUnreadable`: the kernel could not read the command line (PROCESS_CMDLINE_UNREADABLE). */
  remember(record: ProcessRecord, cmdlineUnreadable = false): void {
    this.last = undefined;
    const id = processKeyId(record.process);
    const known = this.entries.get(id);
    // While its pages stay out, the kernel sends the process with each deletion: /proc is read once.
    const knownCmdline = known !== undefined && known.info.cmdline.length > 0 ? known.info.cmdline : undefined;
    const cmdline = cmdlineUnreadable
      ? (knownCmdline ?? this.liveCommandLine(record.process) ?? [])
      : record.cmdline.map((argument) => argument.toString('utf8'));
    this.entries.delete(id);
    this.entries.set(id, {
      key: record.process,
      info: {
        cmdline,
        ancestors: record.ancestors.map((ancestor) => ({ pid: ancestor.pid, comm: ancestor.comm.toString('utf8') })),
        container: containerOfCgroup(record.cgroupName.toString('latin1'), record.cgroupParentName.toString('latin1')),
      },
    });
    while (this.entries.size > this.capacity) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, { key: ProcessKey }];
      this.entries.delete(oldestId);
      this.onForget(oldest.key);
    }
  }

  lookup(key: ProcessKey): ProcessInfo | undefined {
    const last = this.last;
    if (last !== undefined && sameProcess(last.key, key)) return last.info;
    const id = processKeyId(key);
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    this.entries.delete(id);
    this.entries.set(id, entry);
    this.last = entry;
    return entry.info;
  }
}

function sameProcess(a: ProcessKey, b: ProcessKey): boolean {
  return a.tgid === b.tgid && a.execId === b.execId && a.startTime === b.startTime;
}

/** USER_HZ: the unit of /proc/PID/stat's start time on every Linux architecture Syscall Trace runs on. */
const CLOCK_TICKS_PER_SECOND = 100n;
const NANOSECONDS_PER_TICK = 1_000_000_000n / CLOCK_TICKS_PER_SECOND;

/**
 * /proc/PID/cmdline, where PID still is the process the key names: its start
 * time (the key's is the kernel's start_boottime, in nanoseconds) is checked
 * before and after, so that a pid used again in between is never read as it.
 */
export function readLiveCommandLine(key: ProcessKey, procRoot = '/proc'): string[] | undefined {
  const expectedStart = key.startTime / NANOSECONDS_PER_TICK;
  const isStill = (): boolean =>
    startTicks(fs.readFileSync(`${procRoot}/${key.tgid}/stat`, 'latin1')) === expectedStart;
  try {
    if (!isStill()) return undefined;
    const bytes = fs.readFileSync(`${procRoot}/${key.tgid}/cmdline`);
    if (!isStill() || bytes.length === 0) return undefined;
    const end = bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
    return bytes.subarray(0, end).toString('utf8').split('\0');
  } catch {
    return undefined; // gone, or hidden from this user (hidepid)
  }
}

/** Field 22 of /proc/PID/stat, counted after the name in parentheses (which may hold spaces and parentheses). */
export function startTicks(stat: string): bigint | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? BigInt(start) : undefined;
}
