// The parallel deleters' workload, which parallelDeleters.ts runs under every
// tracer and ringBuffer.ts under ours at each ring-buffer size:
// BENCH_DELETERS × `rm -rf`, each of its own tree, all started at the same
// moment by run_together, the tracers pointed at the directory of the trees.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { BenchContext } from './benchmark';
import { deletionTrees } from './deletionTree';
import { commandsDeleting, runTogetherArgv } from './runTogether';
import type { StormSetup } from './stormRuns';
import { traceTarget } from './workDirectory';

export interface ParallelDeletersWorkload extends StormSetup {
  /** Where the trees are made: tree00, tree01… */
  treesDirectory: string;
}

/** The workload in `workDirectory` (freshWorkDirectory's), sized by settings.parallelDeleters. */
export function parallelDeletersWorkload(context: BenchContext, workDirectory: string): ParallelDeletersWorkload {
  const { deleters, directoriesPerDeleter, filesPerDirectory } = context.settings.parallelDeleters;
  const treesDirectory = path.join(workDirectory, 'trees');
  fs.mkdirSync(treesDirectory, { recursive: true });
  const roots = Array.from({ length: deleters }, (_, index) =>
    path.join(treesDirectory, `tree${String(index).padStart(2, '0')}`),
  );
  return {
    treesDirectory,
    target: traceTarget(workDirectory, treesDirectory),
    argv: runTogetherArgv(
      context.fixtures.runTogether,
      roots.map((root) => ['rm', '-rf', root]),
    ),
    trees: deletionTrees(context.fixtures, roots, directoriesPerDeleter, filesPerDirectory),
    deleters: commandsDeleting(treesDirectory),
  };
}
