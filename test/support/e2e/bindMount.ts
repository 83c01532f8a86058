// A directory shown, read-only, at a second place: how a test lets another
// user run the code-server install in root's cache (under /root, mode 0700)
// without copying its 300 MB.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Mounts `source` on `target` (made if missing), read-only; a mount left on `target` by a killed run is removed first. */
export function bindMountReadOnly(source: string, target: string): void {
  unmount(target);
  fs.mkdirSync(target, { recursive: true, mode: 0o755 });
  execFileSync('mount', ['--bind', source, target], { stdio: 'pipe' });
  execFileSync('mount', ['-o', 'remount,bind,ro', target], { stdio: 'pipe' });
}

/** Removes every mount on `target`, then the empty directory itself; nothing when there is none. */
export function unmount(target: string): void {
  while (isMountPoint(target)) execFileSync('umount', [target], { stdio: 'pipe' });
  // rmdir, never a recursive removal: if a mount were still there, that would empty its source.
  if (fs.existsSync(target)) fs.rmdirSync(target);
}

function isMountPoint(directory: string): boolean {
  // Field 5 of each line is the mount point (with spaces and the like escaped as octal).
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === directory);
}
