// What loading costs: the time from starting the terminal command to its
// ready line, in each attach mode and with each program set, on this machine;
// what the verifier said of each program of each set here
// (test/support/kernels/program_report.c); and what it said on each kernel of the
// kernel matrix, from its last run's report.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DEFAULT_MODE_CHOICE, MODE_CHOICES, PROGRAM_SETS, type ModeChoice, type ProgramSet } from '../common/protocol';
import { matrixTable, type MatrixReport } from '../test/support/kernels/matrixReport';
import type { BenchContext } from './benchmark';
import { startProcess, stopProcess, waitUntilReady } from './childProcesses';
import { code, section, table } from './markdown';
import { formatNumber, formatRange, formatRatio, median } from './stats';
import { checkedProgramSet, programSetEnvironment, readyLineIn } from './tracers';

/** Starts of each mode, interleaved: the first of a series pays for cold caches. */
const ROUNDS = 7;

/** Each program set's object, as bpf/Makefile builds it. */
const OBJECT_OF_SET: Record<ProgramSet, string> = {
  newer: 'build/bpf/deletions.bpf.o',
  older: 'build/bpf/deletions_older.bpf.o',
};

/** One way of starting the terminal command that is timed. */
interface Start {
  mode: ModeChoice;
  /** SYSCALL_TRACE_PROGRAMS; undefined for the set the kernel calls for, as a user's helper takes it. */
  asked: ProgramSet | undefined;
  /** The set each start's ready line named. */
  taken: Set<ProgramSet>;
  readyMs: number[];
}

interface ProgramLoad {
  /** The attach mode's programs: "raw" or "tracepoint". */
  mode: string;
  program: string;
  loaded: boolean;
  instructions: number;
  loadMs: number;
}

export async function loading(context: BenchContext): Promise<string> {
  // Every mode as the kernel calls for, and the default mode with the older set forced: its programs are loaded alike in every mode.
  const starts: Start[] = [
    ...MODE_CHOICES.map((mode) => newStart(mode, undefined)),
    newStart(DEFAULT_MODE_CHOICE, 'older'),
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const start of starts) await timeToReady(context, start);
  }
  context.log(
    `ready in ${starts.map((start) => `${startName(start)} ${formatNumber(median(start.readyMs))} ms`).join(', ')}`,
  );
  const programReport = compileProgramReport(context);
  const programs = new Map(PROGRAM_SETS.map((set) => [set, reportPrograms(context, programReport, set)]));

  const readyTable = table(
    ['mode', 'program set', 'start to ready line, ms (median)', 'range'],
    starts.map((start) => [
      start.mode,
      setCell(start),
      formatNumber(median(start.readyMs)),
      formatRange(start.readyMs),
    ]),
  );
  const programTable = table(
    [
      'programs',
      'program',
      'instructions processed, newer set',
      'older set',
      'older / newer',
      'set loaded in, ms: newer',
      'older',
    ],
    programRows(programs.get('newer')!, programs.get('older')!),
  );
  const largest = Math.max(...[...programs.values()].flat().map((entry) => entry.instructions));
  return section({
    description:
      `Each attach mode's start is timed ${ROUNDS} times, interleaved: from starting \`node dist/helper.js trace --jsonl --mode MODE\` as root until its ready line, with the programs loaded and attached; ` +
      `the default mode is timed again with the older program set (${code('SYSCALL_TRACE_PROGRAMS=older')}), and each ready line's ${code('programSet')} is checked. ` +
      `Then \`test/support/kernels/program_report.c\` loads each attach mode's programs of each program set's object (${PROGRAM_SETS.map((set) => code(OBJECT_OF_SET[set])).join(', ')}) as the helper does ` +
      "and reads the verifier's statistics: the instructions it processed for each program (its limit is 1,000,000; this project keeps each under 500,000 on every kernel of the matrix) and how long the whole set took to load.",
    tables: [readyTable, programTable, kernelMatrixTable(context.settings.repositoryRoot)],
    reading: [
      `- Ready in ${formatNumber(median(defaultStart(starts, undefined).readyMs))} ms in the default mode, natively: the target is 1 s.`,
      olderSetReading(defaultStart(starts, undefined), defaultStart(starts, 'older'), programs),
      `- The largest program here takes ${formatNumber(largest)} instructions to verify: ${formatNumber((100 * largest) / 1_000_000, 1)} % of the verifier's limit.`,
      "- On other kernels the figures differ (each version verifies differently): the last table is the kernel matrix's, from `npm run test:kernels`, whose load times are those of an emulated machine (QEMU TCG, about ten times slower than native); " +
        "its program set column names the object (newer or older) and the attach mode's programs.",
    ],
  });
}

function newStart(mode: ModeChoice, asked: ProgramSet | undefined): Start {
  return { mode, asked, taken: new Set(), readyMs: [] };
}

function startName(start: Start): string {
  return start.asked === undefined ? start.mode : `${start.mode} (${start.asked} programs)`;
}

/** The set the ready lines named, and whether it was asked for or the kernel's choice. */
function setCell(start: Start): string {
  const taken = [...start.taken].join(', ');
  return start.asked === undefined
    ? `${taken} (the kernel's choice)`
    : `${taken} (${code(`SYSCALL_TRACE_PROGRAMS=${start.asked}`)})`;
}

function defaultStart(starts: readonly Start[], asked: ProgramSet | undefined): Start {
  return starts.find((start) => start.mode === DEFAULT_MODE_CHOICE && start.asked === asked)!;
}

async function timeToReady(context: BenchContext, start: Start): Promise<void> {
  const what = `the helper in ${startName(start)} mode`;
  const started = process.hrtime.bigint();
  const helper = startProcess(
    [process.execPath, context.helperScript, 'trace', '--jsonl', '--mode', start.mode],
    'text',
    programSetEnvironment(start.asked),
  );
  await waitUntilReady(helper, what, () => readyLineIn(helper.stdoutText()) !== undefined);
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  await stopProcess(helper, 'SIGINT', what);
  start.taken.add(checkedProgramSet(readyLineIn(helper.stdoutText())!, start.asked, what));
  start.readyMs.push(elapsedMs);
}

/**
 * The older set beside the newer at load: the same programs, but the older
 * reaches the task through probe reads and its calls through a hash, so the
 * verifier walks a little more of each; what that means for its start.
 */
function olderSetReading(newer: Start, older: Start, programs: ReadonlyMap<ProgramSet, ProgramLoad[]>): string {
  const largestOf = (set: ProgramSet): number => Math.max(...programs.get(set)!.map((entry) => entry.instructions));
  const loadMsOf = (set: ProgramSet): string =>
    formatNumber(programs.get(set)!.find((entry) => entry.mode === 'raw')?.loadMs ?? Number.NaN);
  return (
    `- The older program set, which a kernel from 5.10 takes where it lacks task storage in tracing programs (5.12), is ready in ${formatNumber(median(older.readyMs))} ms ` +
    `against ${formatNumber(median(newer.readyMs))} ms for the set this kernel takes by itself, ${[...newer.taken].join(', ')}, in the default mode. Its programs are the same, built from the same source with ${code('OLDER_KERNELS')}: ` +
    'each reads the task through CO-RE probe reads (bpf_probe_read_kernel) rather than plain loads from a BTF pointer, and keeps a call from entry to exit in a hash by thread id rather than in task storage, ' +
    `so the verifier processes a few more instructions for each: its largest program takes ${formatNumber(largestOf('older'))} (${formatRatio(largestOf('older'), largestOf('newer'))} the newer set's ${formatNumber(largestOf('newer'))}), ` +
    `and its raw programs load in ${loadMsOf('older')} ms against ${loadMsOf('newer')} ms. ` +
    "For a user of an older kernel, the kernel matrix below gives what each kernel's verifier said of each set, the older kernels' included (under emulation: compare its instructions, not its times)."
  );
}

/** Each attach mode's programs, one row each, with what the verifier said of it in each set (the two sets have the same programs). */
function programRows(newer: readonly ProgramLoad[], older: readonly ProgramLoad[]): string[][] {
  return newer.map((entry) => {
    const twin = older.find((other) => other.mode === entry.mode && other.program === entry.program);
    return [
      entry.mode,
      code(entry.program),
      instructionsCell(entry),
      twin ? instructionsCell(twin) : 'not in the set',
      twin?.loaded && entry.loaded ? formatRatio(twin.instructions, entry.instructions) : '–',
      formatNumber(entry.loadMs),
      twin ? formatNumber(twin.loadMs) : '–',
    ];
  });
}

function instructionsCell(entry: ProgramLoad): string {
  return entry.loaded ? formatNumber(entry.instructions) : 'not loaded';
}

/** build/bench/program_report, compiled afresh from test/support/kernels/program_report.c. */
function compileProgramReport(context: BenchContext): string {
  const report = path.join(context.settings.workDirectory, 'program_report');
  execFileSync('gcc', [
    '-O2',
    '-Wall',
    '-Werror',
    '-o',
    report,
    path.join(context.settings.repositoryRoot, 'test/support/kernels/program_report.c'),
    '-lbpf',
  ]);
  return report;
}

/** Each program of one set's object, in each attach mode, as the verifier of this machine's kernel saw it. */
function reportPrograms(context: BenchContext, programReport: string, set: ProgramSet): ProgramLoad[] {
  const output = execFileSync(programReport, [path.join(context.settings.repositoryRoot, OBJECT_OF_SET[set])], {
    encoding: 'utf8',
  });
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"program"'))
    .map((line) => JSON.parse(line) as ProgramLoad);
}

/** Per kernel of the matrix: each program, from the matrix's last run. */
function kernelMatrixTable(repositoryRoot: string): string {
  // Where the matrix writes it (matrixReport.ts): the bench runs bundled, elsewhere.
  const report = path.join(repositoryRoot, 'build', 'kernel-matrix.json');
  if (!fs.existsSync(report))
    return "No kernel matrix report (build/kernel-matrix.json): run `npm run test:kernels` before `npm run bench` to add each kernel's figures.";
  return matrixTable(JSON.parse(fs.readFileSync(report, 'utf8')) as MatrixReport);
}
