// Compiles the programs the benchmarks run and attach (bench/*.c) into
// build/bench/, with the compilers the project's build already needs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
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
  /** rename_loop ROOT DIRECTORIES FILES: renames each file of make_tree ROOT DIRECTORIES FILES (fNNNNNN to gNNNNNN), and prints the count. */
  renameLoop: string;
  /** run_together -- COMMAND... -- COMMAND...: starts them at once, then prints each one's pid, wall and CPU time. */
  runTogether: string;
  /** attach_bpf_object OBJECT [PROGRAM...]: keeps OBJECT's programs (or those named) attached while its stdin is open. */
  attachBpfObject: string;
  /** BPF objects whose programs return at once, by what they attach to. */
  emptyRawSysEnter: string;
  emptyRawSysEnterExit: string;
  emptyRawSysEnterExitTracepoints: string;
  emptyUnlinkatTracepoint: string;
  emptyDeletionTracepoints: string;
  /**
   * The helper's BPF object (bpf/deletions.bpf.c) as this checkout has it,
   * compiled as bpf/Makefile compiles it (its DWARF left in: the loaded
   * programs are the same).
   */
  deletionProgramsToday: string;
  /** The same object as it was before renames were traced (commit BEFORE_RENAMES), compiled the same way. */
  deletionProgramsBeforeRenames: string;
}

/** main's last commit before renames were traced: the baseline of what renames added to every syscall. */
export const BEFORE_RENAMES = 'ff839d1';

export function buildFixtures(repositoryRoot: string, workDirectory: string): Fixtures {
  const sources = path.join(repositoryRoot, 'bench');
  fs.mkdirSync(workDirectory, { recursive: true });

  const program = (name: string, libraries: string[] = []): string => {
    const output = path.join(workDirectory, name);
    execFileSync('gcc', [
      '-O2',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-o',
      output,
      path.join(sources, `${name}.c`),
      ...libraries,
    ]);
    return output;
  };
  // UAPI headers (linux/bpf.h) include <asm/types.h>, which Debian keeps
  // under the multiarch directory, as bpf/Makefile also knows.
  const multiarchInclude = `/usr/include/${execFileSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).trim()}`;
  const bpfObject = (name: string): string => {
    const output = path.join(workDirectory, `${name}.bpf.o`);
    execFileSync('clang', [
      '-O2',
      '-g',
      '-Wall',
      '-Werror',
      '-target',
      'bpf',
      '-idirafter',
      multiarchInclude,
      '-c',
      path.join(sources, `${name}.bpf.c`),
      '-o',
      output,
    ]);
    return output;
  };

  const deletionPrograms = (name: string, bpfDirectory: string): string => {
    const output = path.join(workDirectory, `${name}.bpf.o`);
    execFileSync('clang', [
      ...DELETION_PROGRAMS_CFLAGS,
      '-idirafter',
      multiarchInclude,
      '-c',
      path.join(bpfDirectory, 'deletions.bpf.c'),
      '-o',
      output,
    ]);
    return output;
  };

  return {
    measureCommand: program('measure_command'),
    getppidLoop: program('getppid_loop'),
    makeTree: program('make_tree'),
    deletePaced: program('delete_paced'),
    renameLoop: program('rename_loop'),
    runTogether: program('run_together'),
    attachBpfObject: program('attach_bpf_object', ['-lbpf']),
    emptyRawSysEnter: bpfObject('empty_raw_sys_enter'),
    emptyRawSysEnterExit: bpfObject('empty_raw_sys_enter_exit'),
    emptyRawSysEnterExitTracepoints: bpfObject('empty_raw_sys_enter_exit_tracepoints'),
    emptyUnlinkatTracepoint: bpfObject('empty_unlinkat_tracepoint'),
    emptyDeletionTracepoints: bpfObject('empty_deletion_tracepoints'),
    deletionProgramsToday: deletionPrograms('deletions_today', path.join(repositoryRoot, 'bpf')),
    deletionProgramsBeforeRenames: deletionPrograms(
      'deletions_before_renames',
      sourcesAtCommit(repositoryRoot, BEFORE_RENAMES, 'bpf', path.join(workDirectory, 'before-renames')),
    ),
  };
}

/** bpf/Makefile's CFLAGS, for this machine's architecture (its -idirafter is added where they are used). */
const DELETION_PROGRAMS_CFLAGS = [
  '-g',
  '-O2',
  '-Wall',
  '-Werror',
  '-target',
  'bpf',
  `-D__TARGET_ARCH_${bpfArchitecture()}`,
];

/** bpf/Makefile's ARCH: uname -m as the kernel's arch/ directory names it. */
function bpfArchitecture(): string {
  const machine = os.machine();
  return ({ x86_64: 'x86', aarch64: 'arm64' } as Record<string, string>)[machine] ?? machine;
}

/**
 * The files of `directory` as they were at `commit`, written below
 * `destination` (emptied first) by `git show`: the directory's path there.
 * Needs the repository's history back to that commit (not a shallow clone).
 */
function sourcesAtCommit(repositoryRoot: string, commit: string, directory: string, destination: string): string {
  const git = (...argv: string[]): string => {
    try {
      return execFileSync('git', ['-C', repositoryRoot, ...argv], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      throw new Error(
        `git ${argv.join(' ')} failed: the benchmarks need the repository's history back to ${commit} (a full clone)`,
        { cause: error },
      );
    }
  };
  const output = path.join(destination, directory);
  fs.rmSync(destination, { recursive: true, force: true });
  fs.mkdirSync(output, { recursive: true });
  for (const file of git('ls-tree', '--name-only', commit, `${directory}/`).split('\n').filter(Boolean)) {
    fs.writeFileSync(path.join(destination, file), git('show', `${commit}:${file}`));
  }
  return output;
}
