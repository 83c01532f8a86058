// How much the suite measures. The full suite is sized to finish within about
// fifteen minutes on a 2-core machine; BENCH_QUICK=1 is for trying changes.
//   BENCH_QUICK=1          fewer repetitions, a smaller storm, report to build/bench/
//   BENCH_ONLY=a,b         only these benchmarks (ids: syscall-overhead, deletion-storm, jsonrpc-latency, event-store)
//   BENCH_REPORT=FILE      where the report goes (default BENCHMARKS.md, or build/bench/ when quick)
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BenchSettings {
  quick: boolean;
  repositoryRoot: string;
  /** Compiled fixtures, trees and tracer output: build/bench/ (ignored by git). */
  workDirectory: string;
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
  /** The storm's tree is deletionStorm's. */
  jsonRpcLatency: {
    lightDeletions: number;
    lightIntervalMs: number;
    stormRepetitions: number;
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
  const defaultReport = quick ? path.join(workDirectory, 'BENCHMARKS.quick.md') : path.join(repositoryRoot, 'BENCHMARKS.md');
  return {
    quick,
    repositoryRoot,
    workDirectory,
    reportFile: env.BENCH_REPORT ? path.resolve(env.BENCH_REPORT) : defaultReport,
    only: env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((id) => id.trim())) : undefined,
    syscallOverhead: quick ? { callsPerRun: 1_000_000, chunksPerRun: 10, repetitions: 2 } : { callsPerRun: 4_000_000, chunksPerRun: 20, repetitions: 7 },
    deletionStorm: quick
      ? { directories: 10, filesPerDirectory: 1000, repetitions: 2 }
      : { directories: 100, filesPerDirectory: 1000, repetitions: 5 },
    jsonRpcLatency: quick
      ? { lightDeletions: 100, lightIntervalMs: 10, stormRepetitions: 1 }
      : { lightDeletions: 1000, lightIntervalMs: 10, stormRepetitions: 3 },
    eventStore: quick ? { eventCount: 10_000, treeRepetitions: 5 } : { eventCount: 100_000, treeRepetitions: 7 },
  };
}

/** The bundle runs from build/; the sources from test/bench/. Both sit below package.json. */
function findRepositoryRoot(start: string): string {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json above ${start}`);
  }
}
