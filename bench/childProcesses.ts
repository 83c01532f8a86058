// Starting, timing and watching the processes a benchmark runs: tracers that
// stay up in the background and workloads timed from start to exit. Any
// process still running when the suite ends is killed, so that an error in a
// benchmark never leaves a tracer (and its BPF programs) behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const running = new Set<ChildProcess>();

function killEveryProcessStarted(): void {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killEveryProcessStarted);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killEveryProcessStarted();
    process.exit(130);
  });
}

/** How the process ended: its exit status, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartedProcess {
  readonly pid: number;
  /** Its stdin and stdout, for a process spoken to over them ('stream'). */
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream | null;
  /** Resolves once it has exited and its stdout and stderr are closed. */
  readonly exited: Promise<Exit>;
  /** process.hrtime.bigint() when it exited (0n while it runs). */
  exitTime(): bigint;
  /** What it wrote to stdout so far, where stdout is kept as text. */
  stdoutText(): string;
  /** The last few kilobytes of its stderr, to explain a failure. */
  stderrTail(): string;
  signal(name: NodeJS.Signals): void;
  closeStdin(): void;
}

const STDERR_KEPT = 4096;

/**
 * Starts argv with stdin a pipe and stderr kept. Its stdout is kept as text
 * ('text'), left to the caller to read ('stream'), or written to a file.
 * `environment` is added to this process's own.
 */
export function startProcess(
  argv: readonly string[],
  stdout: 'text' | 'stream' | { file: string },
  environment: Record<string, string> = {},
): StartedProcess {
  const stdoutFd = typeof stdout === 'string' ? 'pipe' : fs.openSync(stdout.file, 'w');
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['pipe', stdoutFd, 'pipe'],
    env: { ...process.env, ...environment },
  });
  if (typeof stdoutFd === 'number') fs.closeSync(stdoutFd);
  running.add(child);

  let exitTime = 0n;
  child.on('exit', () => (exitTime = process.hrtime.bigint()));
  let stdoutText = '';
  let stderrText = '';
  if (stdout === 'text') child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdoutText += chunk));
  child.stderr
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => (stderrText = (stderrText + chunk).slice(-STDERR_KEPT)));
  child.stdin?.on('error', () => {}); // a process that exits first closes its end: not our error

  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  // Unhandled until someone waits: a failure to start shows up there.
  exited.catch(() => {});
  if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`);

  return {
    pid: child.pid,
    stdin: child.stdin!,
    stdout: child.stdout,
    exited,
    exitTime: () => exitTime,
    stdoutText: () => stdoutText,
    stderrTail: () => stderrText,
    signal: (name) => {
      child.kill(name);
    },
    closeStdin: () => {
      child.stdin?.end();
    },
  };
}

/** Waits until `ready()` holds, failing early if the process exits first. */
export async function waitUntilReady(
  started: StartedProcess,
  what: string,
  ready: () => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  let exit: Exit | undefined;
  started.exited.then((value) => (exit = value)).catch(() => {});
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (exit)
      throw new Error(`${what} exited (${exit.code ?? exit.signal}) before it was ready:\n${started.stderrTail()}`);
    if (Date.now() > deadline)
      throw new Error(`${what} was not ready within ${timeoutMs / 1000} s:\n${started.stderrTail()}`);
    await sleep(20);
  }
}

export async function stopProcess(
  started: StartedProcess,
  signal: NodeJS.Signals,
  what: string,
  timeoutMs = 60_000,
): Promise<Exit> {
  started.signal(signal);
  // Unreferenced: a timer still pending once the process has stopped must not hold the suite open.
  const timeout = sleep(timeoutMs, undefined, { ref: false }).then(() => undefined);
  const exit = await Promise.race([started.exited, timeout]);
  if (exit) return exit;
  started.signal('SIGKILL');
  throw new Error(`${what} did not stop within ${timeoutMs / 1000} s of ${signal}`);
}

export interface MeasuredRun {
  /** The command's own process id. */
  pid: number;
  /** From just before it started to its exit. */
  seconds: number;
  /** CPU time that it and the children it waited for used. */
  cpuSeconds: number;
  /** Its stdout. */
  stdout: string;
}

const MEASURED_LINE = /^measured (\d+) ([\d.]+) ([\d.]+) ([\d.]+)$/m;

/** Runs argv to its end under measure_command (bench/measure_command.c). */
export async function runMeasured(measureCommand: string, argv: readonly string[]): Promise<MeasuredRun> {
  const started = startProcess([measureCommand, ...argv], 'text');
  started.closeStdin();
  const exit = await started.exited;
  if (exit.code !== 0)
    throw new Error(`${argv.join(' ')} failed (${exit.code ?? exit.signal}):\n${started.stderrTail()}`);
  const output = started.stdoutText();
  const measured = MEASURED_LINE.exec(output);
  if (!measured) throw new Error(`${argv.join(' ')}: measure_command printed no measurement`);
  const [, pid, wall, user, system] = measured;
  return {
    pid: Number(pid),
    seconds: Number(wall),
    cpuSeconds: Number(user) + Number(system),
    stdout: output.slice(0, measured.index),
  };
}

export interface ProcessUsage {
  /** User plus system CPU time since the process started. */
  cpuSeconds: number;
  /** The most resident memory it has held (VmHWM). */
  peakRssBytes: number;
}

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export function readProcessUsage(pid: number): ProcessUsage {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in parentheses may hold spaces; fields count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const peakKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return { cpuSeconds: (utime + stime) / clockTicksPerSecond, peakRssBytes: peakKiB * 1024 };
}

/**
 * Waits until `file` has not grown for `quietMs` and returns how long after
 * the call it last grew: how far a tracer that writes asynchronously was
 * behind when the workload ended.
 */
export async function waitUntilFileStopsGrowing(file: string, quietMs = 500, limitMs = 120_000): Promise<number> {
  const start = Date.now();
  let size = fileSize(file);
  let lastGrowth = start;
  for (;;) {
    await sleep(50);
    const now = Date.now();
    const current = fileSize(file);
    if (current !== size) {
      size = current;
      lastGrowth = now;
    } else if (now - lastGrowth >= quietMs || now - start >= limitMs) {
      return lastGrowth - start;
    }
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
