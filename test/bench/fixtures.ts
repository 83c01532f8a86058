// Compiles the programs the benchmarks run and attach (test/bench/*.c) into
// build/bench/, with the compilers the project's build already needs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Fixtures {
  /** measure_command COMMAND...: runs it, then prints its pid, wall time and CPU time. */
  measureCommand: string;
  /** getppid_loop N: prints the mean nanoseconds of one getppid(2). */
  getppidLoop: string;
  /** make_tree ROOT DIRECTORIES FILES: prints the count of entries made. */
  makeTree: string;
  /** delete_paced DIRECTORY COUNT INTERVAL_MS: creates and deletes COUNT files, one deletion per interval. */
  deletePaced: string;
  /** run_together -- COMMAND... -- COMMAND...: starts them at once, then prints each one's pid, wall and CPU time. */
  runTogether: string;
  /** attach_bpf_object OBJECT: keeps OBJECT's programs attached while its stdin is open. */
  attachBpfObject: string;
  /** BPF objects whose programs return at once, by what they attach to. */
  emptyRawSysEnter: string;
  emptyRawSysEnterExit: string;
  emptyRawSysEnterExitTracepoints: string;
  emptyUnlinkatTracepoint: string;
  emptyDeletionTracepoints: string;
}

export function buildFixtures(repositoryRoot: string, workDirectory: string): Fixtures {
  const sources = path.join(repositoryRoot, 'test', 'bench');
  fs.mkdirSync(workDirectory, { recursive: true });

  const program = (name: string, libraries: string[] = []): string => {
    const output = path.join(workDirectory, name);
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', output, path.join(sources, `${name}.c`), ...libraries]);
    return output;
  };
  // UAPI headers (linux/bpf.h) include <asm/types.h>, which Debian keeps
  // under the multiarch directory, as bpf/Makefile also knows.
  const multiarchInclude = `/usr/include/${execFileSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).trim()}`;
  const bpfObject = (name: string): string => {
    const output = path.join(workDirectory, `${name}.bpf.o`);
    execFileSync('clang', ['-O2', '-g', '-Wall', '-Werror', '-target', 'bpf', '-idirafter', multiarchInclude, '-c', path.join(sources, `${name}.bpf.c`), '-o', output]);
    return output;
  };

  return {
    measureCommand: program('measure_command'),
    getppidLoop: program('getppid_loop'),
    makeTree: program('make_tree'),
    deletePaced: program('delete_paced'),
    runTogether: program('run_together'),
    attachBpfObject: program('attach_bpf_object', ['-lbpf']),
    emptyRawSysEnter: bpfObject('empty_raw_sys_enter'),
    emptyRawSysEnterExit: bpfObject('empty_raw_sys_enter_exit'),
    emptyRawSysEnterExitTracepoints: bpfObject('empty_raw_sys_enter_exit_tracepoints'),
    emptyUnlinkatTracepoint: bpfObject('empty_unlinkat_tracepoint'),
    emptyDeletionTracepoints: bpfObject('empty_deletion_tracepoints'),
  };
}
