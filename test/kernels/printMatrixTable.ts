// Prints build/kernel-matrix.json as the Markdown tables of BENCHMARKS.md:
// what the verifier said of each program on each kernel, and which of the
// matrix's tests passed there.
//
//   npm run --silent kernels:table [-- REPORT]
import * as fs from 'node:fs';

import { MODE_CHOICES } from '../../common/protocol';
import type { MatrixReport } from './matrixReport';

/** The tests of each mode are one column; the programs' load test another. */
const COLUMNS = ['programs', ...MODE_CHOICES.map((mode) => `${mode} mode`)];

function columnOf(test: string): string {
  return COLUMNS.find((column) => test.startsWith(column)) ?? 'programs';
}

/** "n of m passed", and each distinct reason for a failure once. */
function outcomeCell(outcomes: [string, string][]): string {
  if (outcomes.length === 0) return '–';
  const failures = outcomes.map(([, outcome]) => outcome).filter((outcome) => outcome !== 'pass');
  const reasons = [...new Set(failures.map((failure) => failure.replace(/^fail: /, '').slice(0, 300).replace(/\|/g, '\\|')))];
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
    '| kernel | release | program set | program | loaded | instructions processed | stack bytes | load ms (whole set) |',
    '| --- | --- | --- | --- | --- | ---: | ---: | ---: |',
  ];
  for (const kernel of report.kernels) {
    for (const program of kernel.programs) {
      lines.push(
        `| ${kernel.title} | ${kernel.release ?? '?'} | ${program.mode} | \`${program.program}\` | ${program.loaded ? 'yes' : '**no**'} | ` +
          `${known(program.instructions)} | ${known(program.stack)} | ${program.loadMs.toLocaleString('en-US')} |`,
      );
    }
  }
  lines.push('', `| kernel | guest wall time | ${COLUMNS.join(' | ')} |`, `| --- | ---: |${' --- |'.repeat(COLUMNS.length)}`);
  for (const kernel of report.kernels) {
    const wall = kernel.guestWallMs === undefined ? '?' : `${(kernel.guestWallMs / 1000).toFixed(0)} s`;
    const cells = COLUMNS.map((column) => outcomeCell(Object.entries(kernel.outcomes).filter(([test]) => columnOf(test) === column)));
    lines.push(`| ${kernel.title} | ${wall} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  // npm runs scripts from the repository's root, where the matrix writes its report.
  const file = process.argv[2] ?? 'build/kernel-matrix.json';
  console.log(matrixTable(JSON.parse(fs.readFileSync(file, 'utf8')) as MatrixReport));
}
