// What loading costs: the time from starting the terminal command to its
// ready line, in each attach mode, on this machine; what the verifier said of
// each program here (test/kernels/program_report.c); and what it said on
// each kernel of the kernel matrix, from its last run's report.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { MODE_CHOICES, type ModeChoice } from '../../common/protocol';
import { matrixTable, type MatrixReport } from '../kernels/matrixReport';
import type { BenchContext } from './benchmark';
import { startProcess, stopProcess, waitUntilReady } from './childProcesses';
import { code, section, table } from './markdown';
import { formatNumber, formatRange, median } from './stats';

/** Starts of each mode, interleaved: the first of a series pays for cold caches. */
const ROUNDS = 7;

interface ProgramLoad {
  mode: string;
  program: string;
  loaded: boolean;
  instructions: number;
  loadMs: number;
}

export async function loading(context: BenchContext): Promise<string> {
  const readyMs = new Map<ModeChoice, number[]>(MODE_CHOICES.map((mode) => [mode, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of MODE_CHOICES) readyMs.get(mode)!.push(await timeToReady(context, mode));
  }
  context.log(`ready in ${MODE_CHOICES.map((mode) => `${mode} ${formatNumber(median(readyMs.get(mode)!))} ms`).join(', ')}`);
  const programs = reportPrograms(context);

  const readyTable = table(
    ['mode', 'start to ready line, ms (median)', 'range'],
    MODE_CHOICES.map((mode) => [mode, formatNumber(median(readyMs.get(mode)!)), formatRange(readyMs.get(mode)!)]),
  );
  const programTable = table(
    ['program set', 'program', 'instructions processed', 'set loaded in, ms'],
    programs.map((entry) => [entry.mode, code(entry.program), entry.loaded ? formatNumber(entry.instructions) : 'not loaded', formatNumber(entry.loadMs)]),
  );
  return section({
    description:
      `Each attach mode's start is timed ${ROUNDS} times, interleaved: from starting \`node dist/helper.js trace --jsonl --mode MODE\` as root until its ready line, with the programs loaded and attached. ` +
      'Then `test/kernels/program_report.c` loads each program set of `build/bpf/deletions.bpf.o` as the helper does and reads the verifier\'s statistics: the instructions it processed for each program (its limit is 1,000,000; this project keeps each under 500,000 on every kernel of the matrix) and how long the whole set took to load.',
    tables: [readyTable, programTable, kernelMatrixTable(context.settings.repositoryRoot)],
    reading: [
      `- Ready in ${formatNumber(median(readyMs.get('complete')!))} ms in the default mode, natively: the target is 1 s.`,
      `- The largest program here takes ${formatNumber(Math.max(...programs.map((entry) => entry.instructions)))} instructions to verify: ${formatNumber((100 * Math.max(...programs.map((entry) => entry.instructions))) / 1_000_000, 1)} % of the verifier's limit.`,
      '- On other kernels the figures differ (each version verifies differently): the last table is the kernel matrix\'s, from `npm run test:kernels`, whose load times are those of an emulated machine (QEMU TCG, about ten times slower than native).',
    ],
  });
}

async function timeToReady(context: BenchContext, mode: ModeChoice): Promise<number> {
  const started = process.hrtime.bigint();
  const helper = startProcess([process.execPath, context.helperScript, 'trace', '--jsonl', '--mode', mode], 'text');
  await waitUntilReady(helper, `the helper in ${mode} mode`, () => helper.stdoutText().includes('{"type":"ready"'));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  await stopProcess(helper, 'SIGINT', `the helper in ${mode} mode`);
  return elapsedMs;
}

/** Each program of each set, as the verifier of this machine's kernel saw it. */
function reportPrograms(context: BenchContext): ProgramLoad[] {
  const root = context.settings.repositoryRoot;
  const report = path.join(context.settings.workDirectory, 'program_report');
  execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', report, path.join(root, 'test/kernels/program_report.c'), '-lbpf']);
  const output = execFileSync(report, [path.join(root, 'build/bpf/deletions.bpf.o')], { encoding: 'utf8' });
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"program"'))
    .map((line) => JSON.parse(line) as ProgramLoad);
}

/** Per kernel of the matrix: each program, from the matrix's last run. */
function kernelMatrixTable(repositoryRoot: string): string {
  // Where the matrix writes it (matrixReport.ts): the bench runs bundled, elsewhere.
  const report = path.join(repositoryRoot, 'build', 'kernel-matrix.json');
  if (!fs.existsSync(report)) return 'No kernel matrix report (build/kernel-matrix.json): run `npm run test:kernels` before `npm run bench` to add each kernel\'s figures.';
  return matrixTable(JSON.parse(fs.readFileSync(report, 'utf8')) as MatrixReport);
}
