// The BPF maps a process holds, read as bpftool shows them: for tests that
// check what the kernel side remembers, not only what reached user space.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Ids of the BPF maps process `pid` holds, from its file descriptors' fdinfo ("map_id:"). */
function mapIdsOf(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-map') continue;
      const id = /^map_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (id) ids.push(Number(id[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids;
}

/** The entries of the map named `name` (as the kernel keeps it: 15 characters at most) that process `pid` holds. */
export function mapEntriesOf<Entry>(pid: number, name: string): Entry[] {
  for (const id of mapIdsOf(pid)) {
    const map = JSON.parse(
      execFileSync('bpftool', ['map', 'show', 'id', String(id), '--json'], { encoding: 'utf8' }),
    ) as { name?: string };
    if (map.name !== name.slice(0, 15)) continue;
    const entries = JSON.parse(
      execFileSync('bpftool', ['map', 'dump', 'id', String(id), '--json'], { encoding: 'utf8' }),
    ) as { formatted?: Entry }[];
    return entries.map((entry) => entry.formatted ?? (entry as Entry));
  }
  throw new Error(`process ${pid} holds no BPF map named ${name}`);
}
