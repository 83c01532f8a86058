// The terminal command: `npm run --silent trace -- [--jsonl] [--path DIR]... [--failed] [--mode MODE] [--queue-mib N]`.
//
// Without --jsonl, one line per deletion (time, pid, comm, result, path) on
// stdout, and what is not a deletion on stderr. With --jsonl, JSON lines on
// stdout: {"type":"ready"} once the programs are attached, {"type":"deletion"}
// per deletion, {"type":"lost"} whenever the kernel's loss count grows, and a
// last {"type":"stats"} when SIGINT or SIGTERM ends the trace (exit status 0),
// once every deletion the kernel handed over is written or counted lost.
// When tracing cannot start (no privileges, no BTF), one line on stderr and
// exit status 1. The programs are loaded and the privileges given up (in
// every thread; a drop that fails ends the command with a line on stderr)
// before anything is attached. docs/wire-protocol.md, "Terminal command", is the
// contract.
//
// A reader that falls behind (a pipe, unlike a file or a terminal, takes
// writes without waiting) pauses the tracer while more than PAUSE_ABOVE_BYTES
// wait for it: the kernel's ring buffer holds the deletions meanwhile, and
// counts those it has no room for as lost; the command's memory stays bounded.
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import {
  DEFAULT_MODE_CHOICE,
  isRename,
  MODE_CHOICES,
  parseQueueMib,
  QUEUE_MIB_DEFAULT,
  QUEUE_MIB_MAX,
  type DeletionEvent,
  type ModeChoice,
  type Scope,
  type TraceStats,
} from '../../common/protocol';
import { escapeText, shownMovedTo, shownPath } from '../../common/shownText';
import { BacklogValve } from '../server/backlogValve';
import { deletionJson } from './deletionJson';
import { DeletionTracer, programOptions } from '../tracing/deletionTracer';
import { describeLoaded, loadThenGiveUpPrivileges } from '../privileges/loadThenDrop';
import { messageOf } from '../../common/errors';
import { reportFailure, runCommand } from './commandRunner';

export const TRACE_USAGE = `usage: npm run --silent trace -- [--jsonl] [--path DIR]... [--failed] [--mode MODE] [--queue-mib N]
  --jsonl       one JSON object per line
  --path DIR    only deletions at or below DIR (repeatable); default: the whole system
  --failed      also deletions that failed
  --mode MODE   which kernel programs trace (default: ${DEFAULT_MODE_CHOICE}):
                complete   every deletion, at the least cost that sees them all:
                           raw where the kernel runs 32-bit programs, else the
                           syscall tracepoints
                raw        raw tracepoints on every syscall; sees every ABI
                tracepoint-without-32-bit
                           the deletion syscalls' own tracepoints: cheaper, but
                           blind to deletions by 32-bit programs
  --queue-mib N memory for deletions taken from the kernel that wait to be
                written (default: ${QUEUE_MIB_DEFAULT}, at most ${QUEUE_MIB_MAX}); what finds it
                full is counted lost`;

/** About 8,000 JSON lines waiting for the reader, 2,000 once it has caught up enough to go on. */
const PAUSE_ABOVE_BYTES = 4 << 20;
const RESUME_AT_BYTES = 1 << 20;
/** After a second signal, the longest the command waits for stderr to take its totals. */
const ABANDON_EXIT_MS = 500;

interface TraceCommandOptions {
  jsonl: boolean;
  scope: Scope;
  includeFailed: boolean;
  /** Absent: DEFAULT_MODE_CHOICE. */
  attachMode?: ModeChoice;
  /** Absent: QUEUE_MIB_DEFAULT. */
  queueMib?: number;
}

export function parseTraceArguments(args: string[], cwd: string): TraceCommandOptions {
  const { values } = parseArgs({
    args,
    options: {
      jsonl: { type: 'boolean', default: false },
      path: { type: 'string', multiple: true },
      failed: { type: 'boolean', default: false },
      mode: { type: 'string' },
      'queue-mib': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const paths = (values.path ?? []).map((directory) => {
    if (directory === '') throw new TypeError('--path needs a directory');
    return path.resolve(cwd, directory);
  });
  const mode = values.mode;
  if (mode !== undefined && !MODE_CHOICES.includes(mode as ModeChoice)) {
    throw new TypeError(`--mode must be ${MODE_CHOICES.join(', ')}, not ${JSON.stringify(mode)}`);
  }
  const givenQueueMib = values['queue-mib'];
  const queueMib = givenQueueMib === undefined ? undefined : parseQueueMib(givenQueueMib);
  if (givenQueueMib !== undefined && queueMib === undefined) {
    throw new TypeError(
      `--queue-mib must be a whole number from 1 to ${QUEUE_MIB_MAX}, not ${JSON.stringify(givenQueueMib)}`,
    );
  }
  return {
    jsonl: values.jsonl === true,
    scope: paths.length > 0 ? { paths } : 'system',
    includeFailed: values.failed === true,
    ...(mode !== undefined ? { attachMode: mode as ModeChoice } : {}),
    ...(queueMib !== undefined ? { queueMib } : {}),
  };
}

export function formatDeletionLine(event: DeletionEvent): string {
  const status = event.resultUnknown ? 'unknown' : event.result === 0 ? 'ok' : (event.error ?? String(event.result));
  const line = `${event.time} ${String(event.pid).padStart(7)} ${escapeText(event.comm).padEnd(15)} ${status.padEnd(7)} ${shownPath(event)}${event.directory ? '/' : ''}`;
  return isRename(event) ? `${line} -> ${shownMovedTo(event)}${renameNote(event)}` : line;
}

/** What a rename did at its destination, where it did more than move a name there. */
function renameNote(event: DeletionEvent): string {
  if (event.exchanged) return ' [exchanged]';
  if (event.replaced) return ' [replaced]';
  return event.replacedUnknown ? ' [may have replaced]' : '';
}

/** The --jsonl line of a deletion, without its newline. */
export const formatDeletionJson = deletionJson;

export function runTraceCommand(args: string[]): void {
  runCommand({ usage: TRACE_USAGE, parse: () => parseTraceArguments(args, process.cwd()), run: trace });
}

/** Traces until a signal ends it; returns once tracing, or once it could not start. */
function trace(options: TraceCommandOptions): void {
  const stdout = process.stdout;
  const regulate = (): void => stdoutPace.update(stdout.writableLength);
  const write = (text: string): void => {
    stdout.write(text, regulate);
    regulate();
  };
  // Deletions handed to stdout whose write has not completed yet: a pipe
  // keeps them in the process until the reader takes them, and an exit that
  // does not wait for them loses them, so it counts them.
  let unwritten = 0;
  const writeDeletions = (text: string, count: number): void => {
    unwritten += count;
    stdout.write(text, () => {
      unwritten -= count;
      regulate();
    });
    regulate();
  };
  const tracer = new DeletionTracer(
    {
      onDeletions(events) {
        let chunk = '';
        if (options.jsonl) {
          for (const event of events) chunk += formatDeletionJson(event) + '\n';
        } else {
          for (const event of events) chunk += formatDeletionLine(event) + '\n';
        }
        writeDeletions(chunk, events.length);
      },
      onLost(lost) {
        if (options.jsonl) write(JSON.stringify({ type: 'lost', lost }) + '\n');
        else
          process.stderr.write(
            `syscall-trace: ${lost} deletions lost so far (the kernel's ring buffer or the helper's queue was full)\n`,
          );
      },
      onProblem(message) {
        process.stderr.write(`syscall-trace: ${message}\n`);
      },
    },
    programOptions(options.queueMib ?? QUEUE_MIB_DEFAULT),
  );

  const stdoutPace = new BacklogValve({ pauseAbove: PAUSE_ABOVE_BYTES, resumeAtOrBelow: RESUME_AT_BYTES }, tracer);

  tracer.useAttachMode(options.attachMode ?? DEFAULT_MODE_CHOICE);
  try {
    const { loadFailure } = loadThenGiveUpPrivileges(tracer);
    if (loadFailure !== undefined) throw new Error(loadFailure.message);
    tracer.start({ scope: options.scope, includeFailed: options.includeFailed });
  } catch (error) {
    // Said here, not left to the runner: the reason comes before whatever closing the tracer finds wrong.
    reportFailure(messageOf(error).trimEnd());
    tracer.close();
    return;
  }

  // Listening for SIGINT and SIGTERM before the ready line is printed: a
  // script may send either the moment it reads that line, and a signal that
  // came before its listener would kill the process without its stats line.
  // The first signal ends the trace in order (docs/wire-protocol.md, "Terminal
  // command"): detach (the calls under way end first), write every deletion
  // the kernel handed over, as fast as the reader takes them, then the stats
  // line, and exit once stdout has taken it all. A second signal does not
  // wait for the reader: what is still unwritten is counted lost.
  let finishing = false;
  let abandoned = false;
  const finish = async (): Promise<void> => {
    if (finishing) {
      abandon();
      return;
    }
    finishing = true;
    await tracer.stop();
    if (abandoned) return;
    const stats = tracer.close();
    if (options.jsonl) write(JSON.stringify({ type: 'stats', ...stats }) + '\n');
    else process.stderr.write(`${stats.events} deletions, ${stats.lost} lost.\n`);
    exitAfterOutput(0);
  };
  const abandon = (): void => {
    if (abandoned) return;
    abandoned = true;
    const closed = tracer.close();
    const stats: TraceStats = { ...closed, events: closed.events - unwritten, lost: closed.lost + unwritten };
    // The stats line goes to stdout only where nothing waits before it (it
    // would wait for the reader too); stderr always has the totals.
    if (options.jsonl && stdout.writableLength === 0) stdout.write(JSON.stringify({ type: 'stats', ...stats }) + '\n');
    const unwrittenText = unwritten > 0 ? ` (${unwritten} of them not written: stopped by a second signal)` : '';
    process.stderr.write(
      `${options.jsonl ? 'syscall-trace: ' : ''}${stats.events} deletions, ${stats.lost} lost${unwrittenText}.\n`,
      () => process.exit(0),
    );
    // Where stderr is a pipe that is not read either.
    setTimeout(() => process.exit(0), ABANDON_EXIT_MS).unref();
  };
  process.on('SIGINT', () => void finish());
  process.on('SIGTERM', () => void finish());

  const scopeText = options.scope === 'system' ? 'the whole system' : options.scope.paths.join(', ');
  if (options.jsonl) {
    write(
      JSON.stringify({
        type: 'ready',
        pid: process.pid,
        kernelRelease: os.release(),
        arch: os.machine(),
        scope: options.scope,
        includeFailed: options.includeFailed,
        modeChoice: tracer.modeChoice,
        attachMode: tracer.attachMode,
        programSet: tracer.programSet,
        ...(tracer.programSetReason === undefined ? {} : { programSetReason: tracer.programSetReason }),
        unseen: tracer.unseen,
      }) + '\n',
    );
  } else {
    process.stderr.write(`Tracing deletions in ${escapeText(scopeText)} (${describeLoaded(tracer)}); Ctrl-C stops.\n`);
  }
  for (const blindSpot of tracer.unseen) process.stderr.write(`syscall-trace: not seen: ${blindSpot}\n`);

  // A reader that goes away (`| head`) ends the trace like Ctrl-C would.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    tracer.close();
    process.exit(0);
  });
}

/**
 * Exits once all that was written to stdout and stderr is out. Where they are
 * pipes or sockets, writes may still wait in a queue when a slow reader lags
 * behind a storm of deletions, and process.exit() would drop them, the stats
 * line with them. An empty write calls back after the writes queued before it.
 */
function exitAfterOutput(status: number): void {
  let pending = 2;
  const written = (): void => {
    if (--pending === 0) process.exit(status);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
