// The kernel matrix's report, build/kernel-matrix.json: per kernel, its
// release, what the verifier said of each program (instructions processed,
// stack, load time under TCG) and each test's outcome, for printMatrixTable.ts
// to turn into BENCHMARKS.md's table.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ProgramRecord } from './guestRecords';

export const MATRIX_REPORT = path.resolve(__dirname, '../../build/kernel-matrix.json');

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
