// What every benchmark of the suite is: a function (one module each) that
// measures and returns its section of BENCHMARKS.md, listed with its id and
// title in main.ts's table of the suite.
import type { Fixtures } from './fixtures';
import type { BenchSettings } from './settings';

export interface BenchContext {
  settings: BenchSettings;
  fixtures: Fixtures;
  /** The built helper, dist/helper.js. */
  helperScript: string;
  /** One line of progress on stderr. */
  log(message: string): void;
}

export interface Benchmark {
  /** For BENCH_ONLY. */
  id: string;
  title: string;
  /** Measures, then returns the section's Markdown (without its title). */
  run(context: BenchContext): Promise<string>;
}
