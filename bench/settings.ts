// How much the suite measures. The full suite is sized to finish within about
// fifteen minutes on a 2-core machine; BENCH_QUICK=1 is for trying changes.
//   BENCH_QUICK=1          fewer repetitions, a smaller storm, report to build/bench/
//   BENCH_ONLY=a,b         only these benchmarks (ids: syscall-overhead, deletion-storm, rename-loop, parallel-deleters,
//                          ring-buffer, mixed-workload, helper-cost, jsonrpc-latency, event-store, recording)
//   BENCH_DELETERS=N       parallel deleters in parallel-deleters (default 4; 16 on a 16-core machine)
//   BENCH_REPORT=FILE      where the report goes (default BENCHMARKS.md, or build/bench/ when quick)
//   BENCH_TREE_DIR=DIR     where the deleted trees are made (default: a tmpfs, /dev/shm, where there is one)
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BenchSettings {
  quick: boolean;
  repositoryRoot: string;
  /** Compiled fixtures: build/bench/ (ignored by git). */
  workDirectory: string;
  /** Where the trees that the benchmarks delete are made, with the tracers' output. */
  treeDirectory: string;
  reportFile: string;
  only: Set<string> | undefined;
  syscallOverhead: {
    /** getppid calls per run: long enough to dwarf the clock's resolution and process start-up. */
    callsPerRun: number;
    /** The run is timed in this many chunks; the fastest is the one other work disturbed least. */
    chunksPerRun: number;
    repetitions: number;
  };
  deletionStorm: {
    directories: number;
    filesPerDirectory: number;
    repetitions: number;
  };
  /**
   * rename_loop's renames in each run, one per file: all in one directory,
   * then (ours in the default mode only, against untraced) the same count
   * spread over spreadDirectories directories, for what a directory's size does to a rename's cost.
   */
  renameLoop: {
    renames: number;
    spreadDirectories: number;
    repetitions: number;
  };
  /** Each deleter removes its own tree of directoriesPerDeleter × filesPerDirectory files; all start at once. */
  parallelDeleters: {
    deleters: number;
    directoriesPerDeleter: number;
    filesPerDirectory: number;
    repetitions: number;
  };
  /** The parallel deleters' storm with the ring buffer at each of these sizes (bytes, powers of two). */
  ringBuffer: {
    sizes: number[];
    repetitions: number;
  };
  /** A build's output tree deleted while a compiler loop runs. */
  mixedWorkload: {
    directories: number;
    filesPerDirectory: number;
    /** gcc -O2 runs of the generated unit, one after the other. */
    compiles: number;
    /** Functions in the generated unit: sized for about half a second of gcc -O2. */
    functionsPerUnit: number;
    repetitions: number;
  };
  /** Its storm is a tree of its own, three times the deletion storm's: the issue states its latency at 300,000 deletions. */
  jsonRpcLatency: {
    lightDeletions: number;
    lightIntervalMs: number;
    stormDirectories: number;
    stormFilesPerDirectory: number;
    stormRepetitions: number;
  };
  /** The recorder's database: deletions recorded per run, and the size of the recording the history queries run on. */
  recording: {
    writeEvents: number;
    writeRepetitions: number;
    queryRows: number;
    queryRepetitions: number;
  };
  /** The events are those of one rm -rf of deletionStorm's tree. */
  eventStore: {
    eventCount: number;
    treeRepetitions: number;
  };
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === '1';
  const repositoryRoot = findRepositoryRoot(__dirname);
  const workDirectory = path.join(repositoryRoot, 'build', 'bench');
  const defaultReport = quick
    ? path.join(workDirectory, 'BENCHMARKS.quick.md')
    : path.join(repositoryRoot, 'BENCHMARKS.md');
  return {
    quick,
    repositoryRoot,
    workDirectory,
    treeDirectory: env.BENCH_TREE_DIR ? path.resolve(env.BENCH_TREE_DIR) : defaultTreeDirectory(workDirectory),
    reportFile: env.BENCH_REPORT ? path.resolve(env.BENCH_REPORT) : defaultReport,
    only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((id) => id.trim())) : undefined,
    syscallOverhead: quick
      ? { callsPerRun: 1_000_000, chunksPerRun: 10, repetitions: 2 }
      : { callsPerRun: 4_000_000, chunksPerRun: 20, repetitions: 7 },
    deletionStorm: quick
      ? { directories: 10, filesPerDirectory: 1000, repetitions: 2 }
      : { directories: 100, filesPerDirectory: 1000, repetitions: 5 },
    renameLoop: quick
      ? { renames: 2_000, spreadDirectories: 2, repetitions: 2 }
      : { renames: 20_000, spreadDirectories: 20, repetitions: 5 },
    parallelDeleters: {
      deleters: positiveInteger(env.BENCH_DELETERS, 'BENCH_DELETERS') ?? 4,
      ...(quick
        ? { directoriesPerDeleter: 3, filesPerDirectory: 1000, repetitions: 2 }
        : { directoriesPerDeleter: 25, filesPerDirectory: 1000, repetitions: 5 }),
    },
    ringBuffer: quick
      ? { sizes: [64 << 10, 1 << 20], repetitions: 1 }
      : { sizes: [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20], repetitions: 2 },
    mixedWorkload: quick
      ? { directories: 200, filesPerDirectory: 50, compiles: 2, functionsPerUnit: 120, repetitions: 2 }
      : { directories: 2000, filesPerDirectory: 50, compiles: 4, functionsPerUnit: 120, repetitions: 5 },
    jsonRpcLatency: quick
      ? {
          lightDeletions: 100,
          lightIntervalMs: 10,
          stormDirectories: 30,
          stormFilesPerDirectory: 1000,
          stormRepetitions: 1,
        }
      : {
          lightDeletions: 1000,
          lightIntervalMs: 10,
          stormDirectories: 300,
          stormFilesPerDirectory: 1000,
          stormRepetitions: 3,
        },
    eventStore: quick ? { eventCount: 10_000, treeRepetitions: 5 } : { eventCount: 100_000, treeRepetitions: 7 },
    recording: quick
      ? { writeEvents: 200_000, writeRepetitions: 1, queryRows: 500_000, queryRepetitions: 3 }
      : { writeEvents: 1_000_000, writeRepetitions: 3, queryRows: 10_000_000, queryRepetitions: 7 },
  };
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number above 0, not ${JSON.stringify(text)}`);
  return value;
}

/**
 * A tmpfs where there is one. Making 100,000 files for each run must not take
 * longer than the rest of the suite, and on some disks it does (creating a
 * file can take a millisecond); deleting from a tmpfs is also the cheapest
 * deletion there is, so a tracer's cost per deletion stands out most there.
 */
function defaultTreeDirectory(workDirectory: string): string {
  return fileSystemAt('/dev/shm') === 'tmpfs' ? '/dev/shm/syscall-trace-bench' : path.join(workDirectory, 'trees');
}

/** The type of the file system that holds `file` ("tmpfs", "ext4"), from /proc/mounts. */
export function fileSystemAt(file: string): string {
  let best = { mountPoint: '', type: 'unknown' };
  for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (mountPoint === undefined || type === undefined) continue;
    const holds = file === mountPoint || file.startsWith(mountPoint === '/' ? '/' : `${mountPoint}/`);
    if (holds && mountPoint.length >= best.mountPoint.length) best = { mountPoint, type };
  }
  return best.type;
}

/** The bundle runs from build/; the sources from bench/. Both sit below package.json. */
function findRepositoryRoot(start: string): string {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json above ${start}`);
  }
}
