// Prints build/kernel-matrix.json as the Markdown tables of BENCHMARKS.md:
// what the verifier said of each program on each kernel, and which of the
// matrix's tests passed there.
//
//   npm run --silent kernels:table [-- REPORT]
import * as fs from 'node:fs';

import { matrixTable, type MatrixReport } from './matrixReport';

// npm runs scripts from the repository's root, where the matrix writes its report.
const file = process.argv[2] ?? 'build/kernel-matrix.json';
console.log(matrixTable(JSON.parse(fs.readFileSync(file, 'utf8')) as MatrixReport));
