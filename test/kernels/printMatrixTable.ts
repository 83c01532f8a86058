// Prints build/kernel-matrix.json as the Markdown tables of BENCHMARKS.md:
// what the verifier said of each program on each kernel, and which of the
// matrix's tests passed there.
//
//   npm run --silent kernels:table
import * as fs from 'node:fs';

import { MATRIX_REPORT, type MatrixReport } from './matrixReport';

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
          `${program.instructions.toLocaleString('en-US')} | ${program.stack} | ${program.loadMs.toLocaleString('en-US')} |`,
      );
    }
  }
  lines.push('', '| kernel | guest wall time | tests passed | failed |', '| --- | ---: | ---: | --- |');
  for (const kernel of report.kernels) {
    const outcomes = Object.entries(kernel.outcomes);
    const failed = outcomes.filter(([, outcome]) => outcome !== 'pass');
    const wall = kernel.guestWallMs === undefined ? '?' : `${(kernel.guestWallMs / 1000).toFixed(0)} s`;
    const failures = failed.map(([test, outcome]) => `${test}: ${outcome.replace(/\|/g, '\\|')}`).join('<br>');
    lines.push(`| ${kernel.title} | ${wall} | ${outcomes.length - failed.length} of ${outcomes.length} | ${failures || 'none'} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  console.log(matrixTable(JSON.parse(fs.readFileSync(MATRIX_REPORT, 'utf8')) as MatrixReport));
}
