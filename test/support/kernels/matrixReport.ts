// The kernel matrix's report, build/kernel-matrix.json: per kernel, its
// release, what the verifier said of each program (instructions processed,
// stack, load time under TCG) and each test's outcome, for printMatrixTable.ts
// and `npm run bench` to turn into BENCHMARKS.md's tables (matrixTable()).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { MODE_CHOICES } from '../../../common/protocol';
import type { ProgramRecord } from './guestRecords';

export const MATRIX_REPORT = path.resolve(__dirname, '../../../build/kernel-matrix.json');

export interface KernelReport {
  title: string;
  release?: string;
  /** The guest's boot to power-off, in ms. */
  guestWallMs?: number;
  programs: Omit<ProgramRecord, 'type'>[];
  /** Test name below the kernel's ("raw mode > a deletion outside the scope is not reported") → "pass", or "fail: " and the first line of its error. */
  outcomes: Record<string, string>;
}

export interface MatrixReport {
  generatedAt: string;
  kernels: KernelReport[];
}

export class MatrixReportWriter {
  private readonly kernels = new Map<string, KernelReport>();

  kernel(title: string): KernelReport {
    if (!this.kernels.has(title)) this.kernels.set(title, { title, programs: [], outcomes: {} });
    return this.kernels.get(title)!;
  }

  write(): void {
    const report: MatrixReport = { generatedAt: new Date().toISOString(), kernels: [...this.kernels.values()] };
    fs.mkdirSync(path.dirname(MATRIX_REPORT), { recursive: true });
    fs.writeFileSync(MATRIX_REPORT, JSON.stringify(report, null, 2) + '\n');
  }
}

/** The tests of each mode are one column; the programs' load test another. */
const COLUMNS = ['programs', ...MODE_CHOICES.map((mode) => `${mode} mode`)];

function columnOf(test: string): string {
  return COLUMNS.find((column) => test.startsWith(column)) ?? 'programs';
}

/** "n of m passed", and each distinct reason for a failure once. */
function outcomeCell(outcomes: [string, string][]): string {
  if (outcomes.length === 0) return '–';
  const failures = outcomes.map(([, outcome]) => outcome).filter((outcome) => outcome !== 'pass');
  const reasons = [
    ...new Set(
      failures.map((failure) =>
        failure
          .replace(/^fail: /, '')
          .slice(0, 300)
          .replace(/\|/g, '\\|'),
      ),
    ),
  ];
  return [`${outcomes.length - failures.length} of ${outcomes.length} passed`, ...reasons].join('<br>');
}

/** program_report says -1 where the verifier's log had no such number (a program that did not load). */
function known(value: number): string {
  return value < 0 ? '–' : value.toLocaleString('en-US');
}

export function matrixTable(report: MatrixReport): string {
  const lines = [
    `Kernel matrix of ${report.generatedAt} (QEMU TCG, 2 vCPUs: load times are emulated, about 10x native).`,
    '',
    '| kernel | release | program set | program | loaded | instructions processed | load ms (whole set) |',
    '| --- | --- | --- | --- | --- | ---: | ---: |',
  ];
  for (const kernel of report.kernels) {
    for (const program of kernel.programs) {
      lines.push(
        `| ${kernel.title} | ${kernel.release ?? '?'} | ${program.programs}, ${program.mode} | \`${program.program}\` | ${program.loaded ? 'yes' : '**no**'} | ` +
          `${known(program.instructions)} | ${program.loadMs.toLocaleString('en-US')} |`,
      );
    }
  }
  lines.push(
    '',
    `| kernel | guest wall time | ${COLUMNS.join(' | ')} |`,
    `| --- | ---: |${' --- |'.repeat(COLUMNS.length)}`,
  );
  for (const kernel of report.kernels) {
    const wall = kernel.guestWallMs === undefined ? '?' : `${(kernel.guestWallMs / 1000).toFixed(0)} s`;
    const cells = COLUMNS.map((column) =>
      outcomeCell(Object.entries(kernel.outcomes).filter(([test]) => columnOf(test) === column)),
    );
    lines.push(`| ${kernel.title} | ${wall} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
