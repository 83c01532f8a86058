// The tree a deletion storm removes, made fresh before each run and flushed
// to disk, so that every tracer faces the same tree and no writeback of its
// creation falls into the timed deletion.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

import type { Fixtures } from './fixtures';

export interface DeletionTree {
  root: string;
  /** What `rm -rf root` deletes: files, directories and root itself. */
  entries: number;
}

export function makeDeletionTree(fixtures: Fixtures, root: string, directories: number, filesPerDirectory: number): DeletionTree {
  fs.rmSync(root, { recursive: true, force: true });
  const output = execFileSync(fixtures.makeTree, [root, String(directories), String(filesPerDirectory)], { encoding: 'utf8' });
  execFileSync('sync');
  return { root, entries: Number(output.trim()) };
}
