// Command lines and ancestors, by process image. The kernel sends them once,
// ahead of a process's first deletion; this cache keeps them for the events
// that follow, up to a bound. A key it drops is handed to `onForget`, which
// tells the kernel to send that process again should it delete once more.
import type { Container } from '../common/protocol';
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
  ) {}

  get size(): number {
    return this.entries.size;
  }

  remember(record: ProcessRecord): void {
    this.last = undefined;
    const id = processKeyId(record.process);
    this.entries.delete(id);
    this.entries.set(id, {
      key: record.process,
      info: {
        cmdline: record.cmdline.map((argument) => argument.toString('utf8')),
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
