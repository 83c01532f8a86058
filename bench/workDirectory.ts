// Each benchmark's own directory below the tree directory (settings.ts,
// BENCH_TREE_DIR), for the trees it deletes and its tracers' output. It is
// made empty before the benchmark uses it, so that nothing a failed suite left
// behind is counted, and the benchmark removes it once it has measured, so
// that main.ts can remove the tree directory at the end.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { BenchSettings } from './settings';
import type { TraceTarget } from './tracers';

/** `name` below the tree directory, emptied: the directory's path. */
export function freshWorkDirectory(settings: BenchSettings, name: string): string {
  const directory = path.join(settings.treeDirectory, name);
  fs.rmSync(directory, { recursive: true, force: true });
  fs.mkdirSync(directory, { recursive: true });
  return directory;
}

/** A tracer pointed at `directory`, its output in the work directory: beside the trees, on the same file system. */
export function traceTarget(workDirectory: string, directory: string): TraceTarget {
  return { directory, outputFile: path.join(workDirectory, 'trace.out') };
}
