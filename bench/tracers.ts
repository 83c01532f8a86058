// Every way of watching deletions that the benchmarks compare, behind one
// interface: start it, run the workload (wrapped, for strace, which runs it
// itself), stop it and ask how many of the workload's deletions it recorded.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as readline from 'node:readline';

import { RING_BUFFER_BYTES_VARIABLE } from '../helper/tracing/deletionTracer';
import { isAtOrBelow } from '../common/directories';
import {
  ATTACH_MODES,
  CHOICE_FOR_PROGRAMS,
  DEFAULT_MODE_CHOICE,
  type AttachMode,
  type ProgramSet,
} from '../common/protocol';
import { programsFor, readKernelFacts } from '../helper/tracing/attachModes';
import { PROGRAMS_VARIABLE } from '../helper/tracing/kernelRequirements';
import { startProcess, stopProcess, waitUntilReady } from './childProcesses';
import type { Fixtures } from './fixtures';
import { code, shellCommand } from './markdown';

/** What a tracer is pointed at. */
export interface TraceTarget {
  /** The directory whose deletions matter: tracers that can scope, scope to it. */
  directory: string;
  /** Where the tracer writes what it records. */
  outputFile: string;
}

/** The processes whose deletions a tracer should have recorded. */
export interface Deleter {
  pids: readonly number[];
  /** Every deletion at or below it. */
  directory: string;
}

export interface TraceOutcome {
  /** The deleters' successful deletions it recorded; null where none was asked for or it records none. */
  recorded: number | null;
  /** Events it says it lost; null where it cannot lose any or does not say. */
  lost: number | null;
  /** True where it can lose events without saying so (inotifywait); then only the count of what it recorded shows a loss. */
  lossUnreported?: boolean;
}

export interface ActiveTrace {
  /** The tracer's own process, for its CPU time and memory; undefined where there is none apart from the workload. */
  readonly pid: number | undefined;
  /** The workload's command line, as the tracer needs it run. */
  wrap(argv: readonly string[]): string[];
  /** Detaches, waits for the tracer to finish writing and counts what it recorded. */
  stop(deleter?: Deleter): Promise<TraceOutcome>;
}

export interface Tracer {
  /** Short name for tables. */
  readonly name: string;
  /** What is attached to the kernel, in a few words. */
  readonly attaches: string;
  /** The command that reproduces it. */
  command(target: TraceTarget): string;
  start(target: TraceTarget): Promise<ActiveTrace>;
}

export const untraced: Tracer = {
  name: 'untraced',
  attaches: 'nothing',
  command: () => '(none)',
  async start() {
    return { pid: undefined, wrap: (argv) => [...argv], stop: async () => ({ recorded: null, lost: null }) };
  },
};

/** BPF programs that return at once: what attaching costs before any work is done. */
export function emptyPrograms(fixtures: Fixtures, name: string, attaches: string, objectFile: string): Tracer {
  return objectPrograms(fixtures, name, attaches, objectFile);
}

/**
 * The programs of a BPF object attached by attach_bpf_object, without the
 * helper: all of them, or only those named in `programs`. Nothing sets the
 * object's globals, so its programs run as they do while the helper traces
 * nothing in flight.
 */
export function objectPrograms(
  fixtures: Fixtures,
  name: string,
  attaches: string,
  objectFile: string,
  programs: readonly string[] = [],
): Tracer {
  const argv = [fixtures.attachBpfObject, objectFile, ...programs];
  return {
    name,
    attaches,
    command: () => shellCommand(argv),
    async start() {
      const loader = startProcess(argv, 'text');
      await waitUntilReady(loader, name, () => loader.stdoutText().includes('attached\n'));
      return {
        pid: loader.pid,
        wrap: (workload) => [...workload],
        async stop() {
          loader.closeStdin();
          await loader.exited;
          return { recorded: null, lost: null };
        },
      };
    },
  };
}

/** The programs the helper's default mode ("complete") takes on this kernel. */
export const DEFAULT_PROGRAMS: AttachMode = programsFor(DEFAULT_MODE_CHOICE, readKernelFacts());

/** What each of the helper's program sets attaches to (the io_uring programs, on io_uring's own tracepoints, in both). */
export const ATTACHED_IN_MODE: Record<AttachMode, string> = {
  raw: 'raw_tp/sys_enter + raw_tp/sys_exit',
  tracepoint: 'tracepoint/syscalls/sys_{enter,exit}_{unlink,unlinkat,rmdir,rename,renameat,renameat2} (12)',
};

/** How syscallTrace() starts the helper, beyond the programs. */
export interface SyscallTraceOptions {
  /** The ring buffer's size; the helper's default where absent. */
  ringBufferBytes?: number;
  /**
   * The program set the helper must take (SYSCALL_TRACE_PROGRAMS): absent,
   * it takes the one the kernel is best served by, as a user's helper does.
   */
  programSet?: ProgramSet;
}

/** What syscallTrace() returns: a tracer that also says which program set its helper took. */
export interface SyscallTraceTracer extends Tracer {
  /** The set named in the latest ready line; undefined before the first start. */
  readonly programSetTaken: ProgramSet | undefined;
}

/** The set a tracer of ours took, for a reading that puts it beside the older: "newer" on a kernel that runs both. */
export function setTakenBy(tracer: SyscallTraceTracer): string {
  return tracer.programSetTaken ?? 'unknown (never started)';
}

/**
 * The terminal command of this project: `node dist/helper.js trace --jsonl --mode MODE --path DIR`,
 * with MODE the choice that takes these programs on every kernel ("raw",
 * "tracepoint-without-32-bit"), the ring buffer at its default size unless
 * `ringBufferBytes` is given, and the program set the kernel calls for unless
 * `programSet` names one.
 */
export function syscallTrace(
  helperScript: string,
  programs: AttachMode,
  options: SyscallTraceOptions = {},
): SyscallTraceTracer {
  const mode = CHOICE_FOR_PROGRAMS[programs];
  const argv = (target: TraceTarget): string[] => [
    'node',
    helperScript,
    'trace',
    '--jsonl',
    '--mode',
    mode,
    '--path',
    target.directory,
  ];
  const environment: Record<string, string> = {
    ...(options.ringBufferBytes === undefined ? {} : { [RING_BUFFER_BYTES_VARIABLE]: String(options.ringBufferBytes) }),
    ...programSetEnvironment(options.programSet),
  };
  const environmentText = Object.entries(environment)
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  const name = `Syscall Trace (ours, ${mode} mode${options.programSet === 'older' ? ', older programs' : ''})`;
  let programSetTaken: ProgramSet | undefined;
  return {
    name,
    attaches: ATTACHED_IN_MODE[programs],
    get programSetTaken() {
      return programSetTaken;
    },
    command: (target) => `${environmentText}${shellCommand(argv(target))} > ${shellCommand([target.outputFile])}`,
    async start(target) {
      const helper = startProcess(argv(target), { file: target.outputFile }, environment);
      await waitUntilReady(helper, 'the helper', () => readyLine(target.outputFile) !== undefined);
      programSetTaken = checkedProgramSet(readyLine(target.outputFile)!, options.programSet, name);
      return {
        pid: helper.pid,
        wrap: (workload) => [...workload],
        async stop(deleter) {
          await stopProcess(helper, 'SIGINT', 'the helper');
          return countSyscallTraceOutput(target.outputFile, deleter);
        },
      };
    },
  };
}

/** The helper's environment that makes it take `programSet`: none where no set is asked for. */
export function programSetEnvironment(programSet: ProgramSet | undefined): Record<string, string> {
  return programSet === undefined ? {} : { [PROGRAMS_VARIABLE]: programSet };
}

/** The fields of the helper's ready line that the benchmarks read. */
export interface ReadyLine {
  type: 'ready';
  programSet: ProgramSet;
}

/**
 * The set a ready line names, which must be the one asked for: a helper that
 * took another set would put the other set's figures under this one's name.
 */
export function checkedProgramSet(ready: ReadyLine, asked: ProgramSet | undefined, what: string): ProgramSet {
  if (asked !== undefined && ready.programSet !== asked) {
    throw new Error(
      `${what}: ${PROGRAMS_VARIABLE}=${asked} was asked for, but the ready line says programSet ${JSON.stringify(ready.programSet)}`,
    );
  }
  return ready.programSet;
}

/** The helper's ready line, once the first line of its output (`--jsonl`) is whole; undefined until then. */
export function readyLineIn(output: string): ReadyLine | undefined {
  const end = output.indexOf('\n');
  if (!output.startsWith('{"type":"ready"') || end < 0) return undefined;
  return JSON.parse(output.slice(0, end)) as ReadyLine;
}

function readyLine(file: string): ReadyLine | undefined {
  return readyLineIn(firstBytes(file));
}

async function countSyscallTraceOutput(file: string, deleter: Deleter | undefined): Promise<TraceOutcome> {
  let recorded = 0;
  let lost: number | null = null;
  const deleterPids = new Set(deleter?.pids);
  for await (const line of readLines(file)) {
    const record = JSON.parse(line) as { type: string; path?: string; result?: number; lost?: number; pid?: number };
    if (record.type === 'stats') lost = record.lost ?? null;
    else if (
      record.type === 'deletion' &&
      deleter &&
      record.result === 0 &&
      // Counted only with the right path and the right process: a deletion put down to another process is not recorded.
      deleterPids.has(record.pid ?? -1) &&
      isAtOrBelow(record.path ?? '', deleter.directory)
    )
      recorded++;
  }
  return { recorded: deleter ? recorded : null, lost };
}

/** Ours in each attach mode, for the benchmarks that compare the modes. */
export function oursInEachMode(helperScript: string): SyscallTraceTracer[] {
  return ATTACH_MODES.map((mode) => syscallTrace(helperScript, mode));
}

/** Of oursInEachMode's tracers, the one with the programs the default mode takes on this kernel: the mode the targets are for. */
export function oursInDefaultMode<OurTracer extends Tracer>(ourModes: readonly OurTracer[]): OurTracer {
  return ourModes[ATTACH_MODES.indexOf(DEFAULT_PROGRAMS)];
}

/**
 * Ours in the default mode's programs with the older program set, the one a
 * kernel from 5.10 takes where it lacks what the newer needs (task storage in
 * tracing programs, 5.12): measured on this kernel, which runs both, beside
 * the set it takes by itself.
 */
export function oursWithOlderPrograms(helperScript: string): SyscallTraceTracer {
  return syscallTrace(helperScript, DEFAULT_PROGRAMS, { programSet: 'older' });
}

/** What the storms compare, in this order: the untraced baseline, ours (in each mode, or more), and what a user might reach for instead. */
export function stormTracers(ours: readonly Tracer[]): Tracer[] {
  return [untraced, ...ours, strace, bpftrace, inotifywait];
}

/** The report's list of the commands that reproduce each tracer pointed at `target`. */
export function tracerCommands(tracers: readonly Tracer[], target: TraceTarget): string[] {
  return tracers
    .filter((tracer) => tracer !== untraced)
    .map((tracer) => `- ${tracer.name}: ${code(tracer.command(target))}`);
}

const DELETION_SYSCALLS = ['unlink', 'unlinkat', 'rmdir'];

/** `strace -f` runs the workload itself and writes one line per call. */
export const strace: Tracer = straceOn(DELETION_SYSCALLS);

/**
 * `strace -f` on these syscalls: its `recorded` counts the deleters' calls
 * of them that succeeded (the renames benchmark's "deleter" is the process
 * that renames).
 */
export function straceOn(syscalls: readonly string[]): Tracer {
  const argv = (outputFile: string): string[] => [
    'strace',
    '-f',
    '-e',
    `trace=${syscalls.join(',')}`,
    '-o',
    outputFile,
  ];
  // "1234  unlinkat(4, "f000001", 0)   = 0" or "1234  <... unlinkat resumed>) = 0" (strace -f pads before "=").
  const names = syscalls.join('|');
  const succeededCall = new RegExp(`^(\\d+)\\s+(?:(?:${names})\\(.*\\)|<\\.\\.\\. (?:${names}) resumed>.*)\\s+= 0$`);
  return {
    name: 'strace -f',
    attaches: 'ptrace on the workload',
    command: (target) => shellCommand(argv(target.outputFile)) + ' COMMAND',
    async start(target) {
      return {
        pid: undefined,
        wrap: (workload) => [...argv(target.outputFile), ...workload],
        async stop(deleter) {
          if (!deleter) return { recorded: null, lost: null };
          let recorded = 0;
          const deleterPids = new Set(deleter.pids.map(String));
          for await (const line of readLines(target.outputFile)) {
            // ptrace stops each call, so nothing is lost. Calls of the deleters that succeeded, whole or finished
            // after another process's line came between ("<... unlinkat resumed>").
            const call = succeededCall.exec(line);
            if (call && deleterPids.has(call[1])) recorded++;
          }
          return { recorded, lost: null };
        },
      };
    },
  };
}

/** The one-liner a bpftrace user would write: each deletion's pid, comm and path argument. */
export const bpftrace: Tracer = bpftraceOn(
  DELETION_SYSCALLS,
  '{ printf("%d %s %s\\n", pid, comm, str(args->pathname)); }',
);

/**
 * bpftrace with `action` on the enter tracepoints of these syscalls; the
 * action prints the pid first, by which its `recorded` counts the deleters'
 * calls. It prints the calls it saw begin (not their results), with the
 * paths as passed.
 */
export function bpftraceOn(syscalls: readonly string[], action: string): Tracer {
  const program = `${syscalls.map((syscall) => `tracepoint:syscalls:sys_enter_${syscall}`).join(',')} ${action}`;
  const argv = (outputFile: string): string[] => ['bpftrace', '-o', outputFile, '-e', program];
  return {
    name: 'bpftrace',
    attaches: `tracepoint/syscalls/sys_enter_{${syscalls.join(',')}}`,
    command: (target) => shellCommand(argv(target.outputFile)),
    async start(target) {
      const tracer = startProcess(argv(target.outputFile), 'text');
      // bpftrace says "Attaching 3 probes..." before it attaches them, and its
      // output to a file is buffered, so the kernel is asked instead.
      await waitUntilReady(tracer, 'bpftrace', () => tracepointsAttachedBy(tracer.pid) === syscalls.length);
      return {
        pid: tracer.pid,
        wrap: (workload) => [...workload],
        async stop(deleter) {
          await stopProcess(tracer, 'SIGINT', 'bpftrace');
          let recorded = 0;
          let lost: number | null = 0;
          const deleterPids = new Set(deleter?.pids.map(String));
          for await (const line of readLines(target.outputFile)) {
            const lostEvents = /^Lost (\d+) events/.exec(line);
            if (lostEvents) lost += Number(lostEvents[1]);
            else if (deleterPids.has(line.split(' ', 1)[0])) recorded++;
          }
          return { recorded: deleter ? recorded : null, lost };
        },
      };
    },
  };
}

/**
 * What a user without BPF would reach for: inotify watches on every directory
 * of the tree, set up (one per directory) before anything is deleted. It
 * reports names within the watched directories, never which process deleted
 * them; a deleted directory is reported twice (DELETE,ISDIR in its parent,
 * DELETE_SELF on its own watch), so paths are counted once each. It reports
 * no loss ("It is assumed the inotify event queue will never overflow", its
 * manual): a loss shows only as deletions missing from its output.
 */
export const inotifywait: Tracer = {
  name: 'inotifywait -m -r',
  attaches: 'an inotify watch on each directory of the tree',
  command: (target) => shellCommand(inotifywaitArguments(target)),
  async start(target) {
    const watcher = startProcess(inotifywaitArguments(target), 'text');
    await waitUntilReady(watcher, 'inotifywait', () => watcher.stderrTail().includes('Watches established.'));
    return {
      pid: watcher.pid,
      wrap: (workload) => [...workload],
      async stop(deleter) {
        await stopProcess(watcher, 'SIGINT', 'inotifywait');
        const deleted = new Set<string>();
        for await (const line of readLines(target.outputFile)) {
          // "DELETE /root/d0001/f000001", "DELETE,ISDIR /root/d0001", "DELETE_SELF /root/d0001/"
          const space = line.indexOf(' ');
          const events = line.slice(0, space).split(',');
          if (deleter && (events.includes('DELETE') || events.includes('DELETE_SELF'))) {
            const file = line.slice(space + 1).replace(/\/$/, '');
            if (isAtOrBelow(file, deleter.directory)) deleted.add(file);
          }
        }
        return { recorded: deleter ? deleted.size : null, lost: null, lossUnreported: true };
      },
    };
  },
};

function inotifywaitArguments(target: TraceTarget): string[] {
  return [
    'inotifywait',
    '-m',
    '-r',
    '-e',
    'delete',
    '-e',
    'delete_self',
    '--format',
    '%e %w%f',
    '-o',
    target.outputFile,
    target.directory,
  ];
}

/** How many tracepoints have a BPF program attached by process `pid` (bpftool perf show). */
function tracepointsAttachedBy(pid: number): number {
  const attachments = JSON.parse(execFileSync('bpftool', ['-j', 'perf', 'show'], { encoding: 'utf8' })) as {
    pid: number;
    fd_type: string;
  }[];
  return attachments.filter((attachment) => attachment.pid === pid && attachment.fd_type === 'tracepoint').length;
}

/** The first few kilobytes of a file that may not exist yet: enough for the helper's ready line. */
function firstBytes(file: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(4096);
    const bytes = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytes).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function readLines(file: string): AsyncIterable<string> {
  return readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
}
