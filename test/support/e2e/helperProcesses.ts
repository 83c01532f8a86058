// The tracing helper as the test sees it from outside VS Code: its process
// (found by the script it runs, which lies in this test's own extensions
// directory, so that other helpers on the machine are never mistaken for it),
// the BPF programs it holds, and the ids and capabilities it runs with.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

import { parseStatus, type ThreadCredentials } from '../../../helper/privileges/privilegeDrop';

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

/**
 * The helpers that sudo started for the extension installed in
 * `extensionsDir`: sudo's own command line names the script too, so the
 * helper is the process whose parent is sudo.
 */
export function helpersUnderSudo(extensionsDir: string): number[] {
  return helpersOf(extensionsDir).filter((pid) => commandName(pid) !== 'sudo' && commandName(parentOf(pid)) === 'sudo');
}

/** The credentials of every thread of `pid`: privileges are per thread, and a helper must have dropped them in each. */
export function threadCredentials(pid: number): ThreadCredentials[] {
  return fs
    .readdirSync(`/proc/${pid}/task`)
    .map((tid) => parseStatus(fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8')));
}

function commandName(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The parent of `pid`; 0 when it is gone. */
export function parentOf(pid: number): number {
  try {
    // The fields after the command name, which is in parentheses and may hold anything.
    return Number(
      fs
        .readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ')[1],
    );
  } catch {
    return 0;
  }
}

/** Whether `pid` still runs: a process that has ended but waits to be reaped (a zombie) does not. */
export function isRunning(pid: number): boolean {
  try {
    // The state follows the command name, which is in parentheses and may hold anything.
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Ids of the BPF programs loaded in the kernel now (`bpftool prog show`). */
export function loadedBpfPrograms(): number[] {
  const programs = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as {
    id: number;
  }[];
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
