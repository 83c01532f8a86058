// File systems that tests mount inside their scratch directories: a tmpfs, to
// have a mount point to cross or to make a large tree quickly, and bind mounts.
import { execFileSync } from 'node:child_process';

/** Mounts a tmpfs of at most `size` (as mount's "-o size=" takes it, e.g. "16m") on `directory`. */
export function mountTmpfs(directory: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'syscall-trace-test', directory]);
}

/** Makes `source` appear at `target` as well. */
export function bindMount(source: string, target: string): void {
  execFileSync('mount', ['--bind', source, target]);
}

export function unmount(directory: string): void {
  execFileSync('umount', [directory]);
}
