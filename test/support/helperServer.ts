// The real helper in --stdio mode (`node dist/helper.js --stdio --mode M`),
// spoken to through vscode-jsonrpc as the extension speaks to it (nothing is
// written before its HELPER_READY_LINE), plus what tests need
// to look at it from outside: its BPF programs, its threads' credentials, its
// memory. Benchmarks may use it too.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

import { parseStatus, type ThreadCredentials } from '../../helper/privileges/privilegeDrop';
import {
  CHOICE_FOR_PROGRAMS,
  DeletionsNotification,
  HELPER_READY_LINE,
  InitializeRequest,
  LostNotification,
  PROTOCOL_VERSION,
  StartRequest,
  StopRequest,
  type AttachMode,
  type DeletionEvent,
  type InitializeResult,
  type ModeChoice,
  type TraceStats,
} from '../../common/protocol';
import { deleteFiles } from './scratch';

export const HELPER_BUNDLE = path.resolve(__dirname, '../../dist/helper.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Added to the helper's environment. */
  env?: NodeJS.ProcessEnv;
  /** Runs the helper through another program first (e.g. setpriv ... --). */
  prefix?: string[];
  /** Its `--mode` (a mode, or the programs to take on every kernel); absent: none given, so its default. */
  attachMode?: ModeChoice | AttachMode;
}

export interface HelperUnderTest {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  connection: MessageConnection;
  /** Every deletion received in trace/deletions, in order. */
  deletions: DeletionEvent[];
  /** Every `lost` total received in trace/lost, in order. */
  lostTotals: number[];
  /** What the client connection logged: e.g. error answers to malformed frames, which carry no id. */
  clientLog: string[];
  stderr(): string;
  /** Resolves once it has written HELPER_READY_LINE; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<Exit>;
  /** Ends it with SIGKILL if it still runs. */
  dispose(): Promise<void>;
}

export function spawnHelper(options: SpawnOptions = {}): HelperUnderTest {
  const mode = options.attachMode === undefined ? [] : ['--mode', modeChoiceOf(options.attachMode)];
  const command = [...(options.prefix ?? []), process.execPath, HELPER_BUNDLE, '--stdio', ...mode];
  const child = spawn(command[0], command.slice(1), {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', () => {
      if (stderr.split('\n').includes(HELPER_READY_LINE)) resolve();
    });
    void exited.then((exit) =>
      reject(new Error(`the helper exited (${JSON.stringify(exit)}) before it was ready:\n${stderr}`)),
    );
  });
  ready.catch(() => undefined);
  const clientLog: string[] = [];
  const log = (message: string): void => {
    clientLog.push(message);
  };
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
    {
      error: log,
      warn: log,
      info: log,
      log,
    },
  );
  const deletions: DeletionEvent[] = [];
  const lostTotals: number[] = [];
  connection.onNotification(DeletionsNotification, ({ events }) => {
    for (const event of events) deletions.push(event);
  });
  connection.onNotification(LostNotification, ({ lost }) => lostTotals.push(lost));
  connection.onError(() => undefined);
  connection.listen();
  let running = true;
  void exited.then(() => (running = false));
  return {
    child,
    pid: child.pid!,
    connection,
    deletions,
    lostTotals,
    clientLog,
    stderr: () => stderr,
    ready,
    exited,
    async dispose() {
      if (running) child.kill('SIGKILL');
      await exited;
      connection.dispose();
    },
  };
}

/** Waits for the helper's ready line, then initializes it; `attachMode`: the mode the client expects. */
export async function initialize(
  helper: HelperUnderTest,
  attachMode?: ModeChoice | AttachMode,
): Promise<InitializeResult> {
  await helper.ready;
  return helper.connection.sendRequest(InitializeRequest, {
    protocolVersion: PROTOCOL_VERSION,
    ...(attachMode && { attachMode: modeChoiceOf(attachMode) }),
  });
}

/** Initializes the helper and starts it tracing below `directory`. */
export async function startTracing(helper: HelperUnderTest, directory: string): Promise<void> {
  await initialize(helper);
  await helper.connection.sendRequest(StartRequest, { scope: { paths: [directory] } });
}

/**
 * Stops a tracing helper and starts it again below `directory`, which it can
 * only do if it kept the privileges it needs; then deletes `count` files
 * there and stops once more. Returns their paths and trace/stop's answer.
 */
export async function restartAndDeleteFiles(
  helper: HelperUnderTest,
  directory: string,
  count: number,
): Promise<{ files: string[]; stats: TraceStats }> {
  await helper.connection.sendRequest(StopRequest, {});
  await helper.connection.sendRequest(StartRequest, { scope: { paths: [directory] } });
  const files = deleteFiles(directory, count);
  const stats = await helper.connection.sendRequest(StopRequest, {});
  return { files, stats };
}

interface BpftoolProgram {
  id: number;
  /** "raw_tracepoint", "tracepoint", ... */
  type: string;
  name?: string;
}

/** bpf/deletion_syscalls.h: the syscalls traced, each with a pair of programs in the tracepoint mode. */
export const TRACED_SYSCALLS = ['unlink', 'unlinkat', 'rmdir', 'rename', 'renameat', 'renameat2'];

/** bpf/deletions.bpf.c: the raw mode's programs, the tracepoint mode's, and io_uring's, which both load. */
const TRACER_PROGRAMS = new Set([
  'trace_sys_enter',
  'trace_sys_exit',
  ...TRACED_SYSCALLS.flatMap((syscall) => [`enter_${syscall}`, `exit_${syscall}`]),
  'uring_submit',
  'uring_complete',
]);

function bpfPrograms(): BpftoolProgram[] {
  return JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as BpftoolProgram[];
}

interface BpfDescriptors {
  /** Ids of the programs the process holds, through a program fd or a link. */
  programs: Set<number>;
  /** How many links (attachments) it holds. */
  links: number;
}

/**
 * The BPF objects a process holds, read from its file descriptors: a
 * program's fdinfo shows "prog_id:", a link's "link_id:" and "prog_id:".
 * (bpftool's own "pids" column needs a bpftool built with BPF iterators.)
 */
function bpfDescriptorsOf(pid: number): BpfDescriptors {
  const held: BpfDescriptors = { programs: new Set(), links: 0 };
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    let info: string;
    try {
      target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    if (target !== 'anon_inode:bpf-prog' && target !== 'anon_inode:bpf_link') continue;
    if (target === 'anon_inode:bpf_link') held.links++;
    const program = /^prog_id:\s*(\d+)$/m.exec(info);
    if (program) held.programs.add(Number(program[1]));
  }
  return held;
}

/** The deletion tracer's BPF programs that this process holds, as bpftool lists them. */
function heldTracerPrograms(pid: number): BpftoolProgram[] {
  const held = bpfDescriptorsOf(pid).programs;
  return bpfPrograms()
    .filter((program) => TRACER_PROGRAMS.has(program.name ?? '') && held.has(program.id))
    .sort((a, b) => a.id - b.id);
}

/** Ids of the deletion tracer's BPF programs that this process holds. */
export function tracerProgramsOf(pid: number): number[] {
  return heldTracerPrograms(pid).map((program) => program.id);
}

/** "type name" of each of the deletion tracer's programs that this process holds, sorted. */
export function tracerProgramKindsOf(pid: number): string[] {
  return heldTracerPrograms(pid)
    .map((program) => `${program.type} ${program.name}`)
    .sort();
}

/** How many BPF links (attached programs) this process holds. */
export function attachedLinksOf(pid: number): number {
  return bpfDescriptorsOf(pid).links;
}

/** Which of these program ids the kernel still has loaded. */
export function stillLoaded(ids: number[]): number[] {
  const loaded = new Set(bpfPrograms().map((program) => program.id));
  return ids.filter((id) => loaded.has(id));
}

/**
 * Waits until none of these programs is loaded. The kernel frees a program
 * once its last link and fd are gone, partly after an RCU grace period, so
 * this polls; a program that stays makes it throw.
 */
export async function waitUntilUnloaded(ids: number[], patienceMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + patienceMs;
  let left = stillLoaded(ids);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = stillLoaded(ids);
  }
  return left;
}

export interface ThreadStatus extends ThreadCredentials {
  tid: number;
}

/** Every thread of the process, as /proc/<pid>/task/<tid>/status shows it. */
export function threadStatuses(pid: number): ThreadStatus[] {
  const statuses: ThreadStatus[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    statuses.push({ tid: Number(tid), ...parseStatus(text) });
  }
  return statuses;
}

/**
 * Each thread's fields that `expected` names, beside what they should be:
 * `expect(actual).toEqual(wanted)` then names the thread that differs.
 */
export function everyThreadAgainst(
  pid: number,
  expected: Partial<ThreadCredentials>,
): { actual: object[]; wanted: object[] } {
  const fields = Object.keys(expected) as (keyof ThreadCredentials)[];
  const threads = threadStatuses(pid);
  return {
    actual: threads.map((thread) => ({
      tid: thread.tid,
      ...Object.fromEntries(fields.map((field) => [field, thread[field]])),
    })),
    wanted: threads.map((thread) => ({ tid: thread.tid, ...expected })),
  };
}

/** The resident set size, in bytes. */
export function residentBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s*(\d+) kB$/m.exec(status)![1]) * 1024;
}

/** The --mode that takes `mode`: itself, or for a program set, the choice that takes it on every kernel. */
export function modeChoiceOf(mode: ModeChoice | AttachMode): ModeChoice {
  return mode === 'tracepoint' ? CHOICE_FOR_PROGRAMS.tracepoint : mode;
}
