// Runs the programs that make the deletions, and the C fixtures they may be.
//
// Programs run asynchronously: while one deletes, the test process must keep
// reading the trace's output, or the trace would block on a full pipe.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPOSITORY = path.resolve(__dirname, '../..');
const FIXTURE_SOURCES = path.join(REPOSITORY, 'test/fixtures');
const FIXTURE_BUILDS = path.join(REPOSITORY, 'build/test-fixtures');

export interface Finished {
  /** The process id the program ran as. */
  pid: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Added to the program's environment. */
  env?: NodeJS.ProcessEnv;
  /** Whether a non-zero exit status is what the test expects. */
  mayFail?: boolean;
  /** Killed (SIGKILL) after this long, so that one that hangs fails as one: its status is then null. */
  timeoutMs?: number;
}

export function run(file: string, args: string[], options: RunOptions = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      const finished = { pid: child.pid!, status, stdout, stderr };
      if (status !== 0 && !options.mayFail) {
        reject(new Error(`${file} ${args.join(' ')} exited with ${status}: ${stderr}`));
      } else {
        resolve(finished);
      }
    });
  });
}

export interface FixtureBuild {
  /** gcc -m32: a 32-bit x86 program. */
  bits32?: boolean;
  pthread?: boolean;
  /** -static: a program that runs in a root holding nothing else (a chroot). */
  static?: boolean;
  /** Libraries to link, as gcc -l takes them: ['uring'] for -luring. */
  libs?: string[];
}

/** Compiles test/fixtures/NAME.c into build/test-fixtures/ and returns the program's path. */
export function buildFixture(name: string, build: FixtureBuild = {}): string {
  const output = path.join(FIXTURE_BUILDS, `${name}${build.bits32 ? '-32' : ''}${build.static ? '-static' : ''}`);
  const flags = ['-O2', '-Wall', '-Werror'];
  if (build.bits32) flags.push('-m32');
  if (build.pthread) flags.push('-pthread');
  if (build.static) flags.push('-static');
  fs.mkdirSync(FIXTURE_BUILDS, { recursive: true });
  // Built under a name of its own and renamed, so that a run that reads the
  // program never sees it half written.
  const partial = `${output}.${process.pid}.partial`;
  // The -l flags after the source, whose undefined symbols they resolve.
  const libs = (build.libs ?? []).map((lib) => `-l${lib}`);
  execFileSync('gcc', [...flags, '-o', partial, path.join(FIXTURE_SOURCES, `${name}.c`), ...libs], { stdio: 'pipe' });
  fs.renameSync(partial, output);
  return output;
}

/**
 * Whether this machine's kernel runs 32-bit x86 code at all. A kernel built
 * with CONFIG_IA32_EMULATION may still refuse it: switched off at boot
 * (ia32_emulation=0), or under a hypervisor that offers no 32-bit mode, as
 * some cloud machines of this project's kind do (execve of a 32-bit program
 * fails with ENOEXEC, int $0x80 kills the process). There the tests of
 * 32-bit deletions cannot run; the kernel matrix (test/kernels/) runs them on
 * Debian's kernels, which do run 32-bit code.
 */
export function kernelRuns32BitCode(): boolean {
  const deleter32 = buildFixture('deleter', { bits32: true });
  // A name that cannot exist: the program runs, fails to delete it, exits 1.
  const probe = spawnSync(deleter32, ['unlink', '/proc/self/no-such-entry'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 1;
}
