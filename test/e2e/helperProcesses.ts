// The tracing helper as the test sees it from outside VS Code: its process
// (found by the script it runs, which lies in this test's own extensions
// directory, so that other helpers on the machine are never mistaken for it)
// and the BPF programs it holds.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Pids of the processes whose command line contains `text`. */
export function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text) && Number(entry) !== process.pid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** The helpers started by the extension installed in `extensionsDir`. */
export function helpersOf(extensionsDir: string): number[] {
  return processesWith(`${extensionsDir}/`).filter((pid) => {
    try {
      return /\/dist\/helper\.js/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ids of the BPF programs loaded in the kernel now (`bpftool prog show`). */
export function loadedBpfPrograms(): number[] {
  const programs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as { id: number }[];
  return programs.map((program) => program.id);
}

/**
 * Ids of the BPF programs that process `pid` holds, through program or link
 * file descriptors: the kernel names them in each descriptor's fdinfo.
 */
export function bpfProgramsHeldBy(pid: number): number[] {
  const ids = new Set<number>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const match = /^prog_id:\s*(\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (match) ids.add(Number(match[1]));
    } catch {
      // the descriptor was closed while we looked
    }
  }
  return [...ids].sort((a, b) => a - b);
}
