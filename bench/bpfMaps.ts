// The kernel memory of the BPF maps a process holds, as the kernel accounts
// it: the "memlock" of each map file descriptor in /proc/PID/fdinfo, the
// figure that counted against RLIMIT_MEMLOCK before cgroup accounting (and
// that `bpftool map show` prints as bytes_memlock). Names come from bpftool;
// the kernel keeps only their first 15 characters.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface BpfMapMemory {
  id: number;
  name: string;
  type: string;
  maxEntries: number;
  memlockBytes: number;
}

export function bpfMapsHeldBy(pid: number): BpfMapMemory[] {
  const fdDirectory = `/proc/${pid}/fd`;
  const held = new Map<number, Omit<BpfMapMemory, 'name' | 'type'>>();
  for (const fd of fs.readdirSync(fdDirectory)) {
    let target: string;
    try {
      target = fs.readlinkSync(`${fdDirectory}/${fd}`);
    } catch {
      continue; // closed since the listing
    }
    if (target !== 'anon_inode:bpf-map') continue;
    const info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(info)?.[1] ?? Number.NaN);
    const id = field('map_id');
    held.set(id, { id, maxEntries: field('max_entries'), memlockBytes: field('memlock') });
  }
  const described = new Map(
    (
      JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
        id: number;
        name?: string;
        type: string;
      }[]
    ).map((map) => [map.id, map]),
  );
  return [...held.values()]
    .map((map) => ({ ...map, name: described.get(map.id)?.name ?? '?', type: described.get(map.id)?.type ?? '?' }))
    .sort((a, b) => a.id - b.id);
}

/** Resident bytes of the process's mappings of BPF maps (a ring buffer's pages, mapped for reading). */
export function residentBpfMapBytes(pid: number): number {
  let inBpfMap = false;
  let bytes = 0;
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inBpfMap = line.endsWith('anon_inode:bpf-map');
    else if (inBpfMap && line.startsWith('Rss:')) bytes += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
  }
  return bytes;
}
