// The terminal command, `node dist/helper.js trace --jsonl`, run as a child
// process the way a script would run it: wait for its ready line, let the test
// delete things, end it with SIGINT, and hand back what it printed.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

import type { AttachMode, DeletionEvent, ModeChoice, TraceStats } from '../../common/protocol';
import { modeChoiceOf } from './helperServer';
import { run, type Finished, type RunOptions } from './programs';

export const HELPER_SCRIPT = path.resolve(__dirname, '../../dist/helper.js');

export interface TraceOptions {
  /** --path for each; none traces the whole system. */
  paths?: string[];
  /** --failed */
  failed?: boolean;
  /** --mode: a mode, or the programs to take on every kernel; none traces in the helper's default mode. */
  mode?: ModeChoice | AttachMode;
  /** Added to the command's environment. */
  env?: NodeJS.ProcessEnv;
}

export interface TraceOutput {
  /** The first line, {"type":"ready"}. */
  ready: Record<string, unknown>;
  events: DeletionEvent[];
  /** The last line, {"type":"stats"}. */
  stats: TraceStats;
  /** Lines of stdout that were neither ready, deletion nor stats, or no JSON at all. */
  otherLines: unknown[];
  exitCode: number | null;
  stderr: string;
}

export interface RunningTrace {
  /** The trace command's process. */
  pid: number;
  /** Ends the trace with SIGINT, as Ctrl-C would, once its output is complete. */
  stop(): Promise<TraceOutput>;
}

const running = new Set<ChildProcess>();

/** Starts the terminal command and resolves once it has printed its ready line. */
export async function startTrace(options: TraceOptions = {}): Promise<RunningTrace> {
  const args = [HELPER_SCRIPT, 'trace', '--jsonl'];
  for (const directory of options.paths ?? []) args.push('--path', directory);
  if (options.failed) args.push('--failed');
  if (options.mode) args.push('--mode', modeChoiceOf(options.mode));

  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  const events: DeletionEvent[] = [];
  const otherLines: unknown[] = [];
  let stats: TraceStats | undefined;
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => (stderr += text));

  const closed = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    });
  });

  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => {
      let message: { type?: string };
      try {
        message = JSON.parse(line) as { type?: string };
      } catch {
        // Kept for the test to see: throwing here would stop the reading, and the test would hang.
        otherLines.push({ unparsable: line });
        return;
      }
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'deletion') events.push(message as unknown as DeletionEvent);
      else if (message.type === 'stats') stats = message as unknown as TraceStats;
      else otherLines.push(message);
    });
    void closed.then((code) => reject(new Error(`the trace ended before it was ready (exit ${code}): ${stderr}`)));
  });
  const readyLine = await ready;

  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGINT');
      const exitCode = await closed;
      if (stats === undefined) throw new Error(`the trace printed no stats line (exit ${exitCode}): ${stderr}`);
      return { ready: readyLine, events, stats, otherLines, exitCode, stderr };
    },
  };
}

/**
 * Traces while `act` runs and returns what was reported. The records of
 * deletions that `act` has finished are in the kernel's ring buffer by then,
 * and the command reports them before its stats line.
 */
export async function traceWhile(options: TraceOptions, act: () => Promise<unknown>): Promise<TraceOutput> {
  const trace = await startTrace(options);
  await act();
  return trace.stop();
}

/** What the trace reported while one program ran, and how that program ran. */
export interface TracedProgram extends TraceOutput {
  /** Its pid, status and output, for the test to find it in the events. */
  program: Finished;
}

/** Traces while one program runs, as traceWhile does. */
export async function traceProgram(
  options: TraceOptions,
  file: string,
  args: string[],
  runOptions: RunOptions = {},
): Promise<TracedProgram> {
  let program: Finished | undefined;
  const output = await traceWhile(options, async () => {
    program = await run(file, args, runOptions);
  });
  return { ...output, program: program! };
}

/** Kills every trace a test left running, whether it passed or not. */
export function killRunningTraces(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
