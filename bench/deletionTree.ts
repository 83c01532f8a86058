// The tree a deletion storm removes, made fresh before each run and flushed
// to disk, so that every tracer faces the same tree and no writeback of its
// creation falls into the timed deletion.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

import type { BenchContext } from './benchmark';
import type { Fixtures } from './fixtures';

export interface DeletionTree {
  root: string;
  /** What `rm -rf root` deletes: files, directories and root itself. */
  entries: number;
}

export function makeDeletionTree(
  fixtures: Fixtures,
  root: string,
  directories: number,
  filesPerDirectory: number,
): DeletionTree {
  fs.rmSync(root, { recursive: true, force: true });
  const output = execFileSync(fixtures.makeTree, [root, String(directories), String(filesPerDirectory)], {
    encoding: 'utf8',
  });
  execFileSync('sync');
  return { root, entries: Number(output.trim()) };
}

/** The deletion storm's tree (settings.deletionStorm), which the latency, helper-cost and event-store benchmarks delete too. */
export function makeStormTree(context: BenchContext, root: string): DeletionTree {
  const { directories, filesPerDirectory } = context.settings.deletionStorm;
  return makeDeletionTree(context.fixtures, root, directories, filesPerDirectory);
}

/** The trees of one storm workload, one per deleter, alike: made before each run, removed after it. */
export interface DeletionTrees {
  /** Makes every tree afresh; returns the entries that deleting them all deletes. */
  make(): number;
  remove(): void;
}

export function deletionTrees(
  fixtures: Fixtures,
  roots: readonly string[],
  directories: number,
  filesPerDirectory: number,
): DeletionTrees {
  return {
    make: () =>
      roots.reduce((sum, root) => sum + makeDeletionTree(fixtures, root, directories, filesPerDirectory).entries, 0),
    remove: () => {
      for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
