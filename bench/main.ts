// `npm run bench`: runs every benchmark of the suite, one after the other,
// and writes BENCHMARKS.md. Figures are medians of interleaved runs and
// ratios to a baseline measured in the same run; nothing here passes or
// fails, it only reports. Needs root (BPF) and the build (npm run bench
// builds first). See settings.ts for BENCH_QUICK, BENCH_ONLY, BENCH_REPORT
// and BENCH_TREE_DIR.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { BenchContext, Benchmark } from './benchmark';
import { deletionStorm } from './deletionStorm';
import { buildFixtures } from './fixtures';
import { eventStore } from './eventStore';
import { helperCost } from './helperCost';
import { jsonRpcLatency } from './jsonRpcLatency';
import { loading } from './loading';
import { describeMachine, type MachineDescription } from './machine';
import { code, table } from './markdown';
import { mixedWorkload } from './mixedWorkload';
import { parallelDeleters } from './parallelDeleters';
import { recordingBenchmark } from './recording';
import { renameLoop } from './renameLoop';
import { ringBuffer } from './ringBuffer';
import { scaleSection } from './scale';
import { benchSettings, type BenchSettings } from './settings';
import { syscallOverhead } from './syscallOverhead';
import { mountTracefsForTheSuite } from './tracefs';

/** The suite in the order it runs: each benchmark's id (for BENCH_ONLY), the title of its section of the report, and what measures it. */
const BENCHMARKS: Benchmark[] = [
  { id: 'loading', title: 'Loading: time to ready, and what the verifier checks', run: loading },
  { id: 'syscall-overhead', title: 'Added cost per syscall (getppid loop)', run: syscallOverhead },
  { id: 'deletion-storm', title: 'Deletion storm (rm -rf)', run: deletionStorm },
  { id: 'rename-loop', title: 'Rename loop (rename(2) of every file of a directory)', run: renameLoop },
  { id: 'parallel-deleters', title: 'Parallel deleters', run: parallelDeleters },
  { id: 'ring-buffer', title: 'Ring-buffer size against loss', run: ringBuffer },
  { id: 'mixed-workload', title: 'Mixed workload (a build tree deleted while a compiler runs)', run: mixedWorkload },
  { id: 'helper-cost', title: 'Helper cost: kernel maps and memory', run: helperCost },
  { id: 'jsonrpc-latency', title: 'Latency to a JSON-RPC client', run: jsonRpcLatency },
  { id: 'event-store', title: 'Event store and tree view (extension)', run: eventStore },
  { id: 'recording', title: 'Flight recorder: recording and history queries', run: recordingBenchmark },
];

/** What the suite does not measure yet, and why, so that the report says so. */
const NOT_MEASURED = [
  'The storms on a disk file system: set BENCH_TREE_DIR to a directory on one (on this machine, making the 100,000 files on the ext4 root took about 40 s per tree).',
];

interface Section {
  benchmark: Benchmark;
  body: string;
  seconds: number;
}

async function main(): Promise<void> {
  const settings = benchSettings();
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: loading BPF programs needs root; run it as root (sudo npm run bench)\n');
    process.exitCode = 1;
    return;
  }
  const helperScript = path.join(settings.repositoryRoot, 'dist', 'helper.js');
  if (!fs.existsSync(helperScript)) {
    process.stderr.write(`bench: ${helperScript} is missing; run npm run build first\n`);
    process.exitCode = 1;
    return;
  }

  const log = (message: string): void => {
    process.stderr.write(`bench: ${message}\n`);
  };
  log(`compiling the fixtures into ${path.relative(settings.repositoryRoot, settings.workDirectory)}/`);
  const fixtures = buildFixtures(settings.repositoryRoot, settings.workDirectory);
  const context: BenchContext = { settings, fixtures, helperScript, log };
  const machine = describeMachine();

  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  const sections: Section[] = [];
  const unmountTracefs = mountTracefsForTheSuite(log);
  try {
    for (const benchmark of BENCHMARKS.filter((entry) => !settings.only || settings.only.has(entry.id))) {
      log(`${benchmark.title}…`);
      const sectionStarted = Date.now();
      const body = await benchmark.run(context);
      sections.push({ benchmark, body, seconds: (Date.now() - sectionStarted) / 1000 });
    }
  } finally {
    unmountTracefs();
  }
  const totalSeconds = (Date.now() - started) / 1000;
  const load = { atStart: loadAtStart, atEnd: os.loadavg()[0] };

  fs.mkdirSync(path.dirname(settings.reportFile), { recursive: true });
  fs.writeFileSync(settings.reportFile, report(settings, machine, sections, totalSeconds, load));
  try {
    // Each benchmark removes what it made; the directory goes only if nothing else is in it.
    fs.rmdirSync(settings.treeDirectory);
  } catch {
    // not empty, or never made: left as it is
  }
  log(`wrote ${path.relative(process.cwd(), settings.reportFile)} in ${(totalSeconds / 60).toFixed(1)} min`);
}

/** The machine's 1-minute load average as the first benchmark began (the build before it and other work) and as the last ended. */
interface Load {
  atStart: number;
  atEnd: number;
}

function report(
  settings: BenchSettings,
  machine: MachineDescription,
  sections: Section[],
  totalSeconds: number,
  load: Load,
): string {
  const lines = [
    '# Benchmarks',
    '',
    `Written by ${code('npm run bench')} (bench/) on ${machine.date}${settings.quick ? ', in quick mode (BENCH_QUICK=1: fewer runs, a smaller storm)' : ''}. ` +
      `All figures come from this one run of the suite on the machine below, ${machine.cores} cores shared with whatever else it was doing: ` +
      'small differences are noise until a rerun on a quiet machine confirms them. Each benchmark compares tracers within the same run, ' +
      'interleaved, so ratios are the figures to read.',
    '',
    table(
      ['machine', ''],
      [
        ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
        ['memory', machine.memory],
        ['system', machine.distribution],
        ['kernel', machine.kernelRelease],
        ...Object.entries(machine.tools).map(([tool, version]) => [tool, version]),
      ],
    ),
    '',
    `The machine's 1-minute load average was ${load.atStart.toFixed(2)} as the first benchmark began (the build of ${code('npm run bench')} and any other work in the minute before) ` +
      `and ${load.atEnd.toFixed(2)} as the last ended. ` +
      `The suite took ${(totalSeconds / 60).toFixed(1)} minutes (${sections.map((section) => `${section.benchmark.title}: ${Math.round(section.seconds)} s`).join('; ')}).`,
  ];
  for (const section of sections) lines.push('', `## ${section.benchmark.title}`, '', section.body);
  lines.push('', '## Scale beyond this machine', '', scaleSection(settings, machine));
  lines.push('', '## Not measured yet', '', ...NOT_MEASURED.map((item) => `- ${item}`), '');
  // Commands name files by absolute path; the report names them as a reader
  // in the repository types them.
  return lines.join('\n').replaceAll(`${settings.repositoryRoot}/`, '');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
