// A temporary directory per test, under its real name: the kernel reports
// the directories it walks with symbolic links resolved.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function makeScratchDirectory(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-test-')));
}

export function removeScratchDirectory(directory: string): void {
  fs.rmSync(directory, { recursive: true, force: true });
}

/** Creates empty files and the directories they lie in, relative to `root`. */
export function makeTree(root: string, files: string[]): void {
  for (const file of files) {
    const full = path.join(root, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, '');
  }
}

/** Every file and directory below `root` (not `root` itself), as absolute paths. */
export function listTree(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((entry) => path.join(root, entry));
}

/** Creates `count` empty files in `directory` and deletes them again, in this process; returns their paths. */
export function deleteFiles(directory: string, count: number): string[] {
  const files = Array.from({ length: count }, (_, i) => path.join(directory, `file-${i}`));
  for (const file of files) fs.writeFileSync(file, '');
  for (const file of files) fs.unlinkSync(file);
  return files;
}
