// The terminal command: `npm run --silent trace -- [--jsonl] [--path DIR]... [--failed] [--mode raw|tracepoint]`.
//
// Without --jsonl, one line per deletion (time, pid, comm, result, path) on
// stdout, and what is not a deletion on stderr. With --jsonl, JSON lines on
// stdout: {"type":"ready"} once the programs are attached, {"type":"deletion"}
// per deletion, {"type":"lost"} whenever the kernel's loss count grows, and a
// last {"type":"stats"} when SIGINT or SIGTERM ends the trace (exit status 0).
// When tracing cannot start (no privileges, no BTF), one line on stderr and
// exit status 1.
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { DeletionTracer } from './deletionTracer';
import { ATTACH_MODES, DEFAULT_ATTACH_MODE, type AttachMode, type DeletionEvent, type Scope } from './protocol';
import { escapeBytes, escapeText } from './terminalText';

const USAGE = `usage: npm run --silent trace -- [--jsonl] [--path DIR]... [--failed] [--mode raw|tracepoint]
  --jsonl       one JSON object per line
  --path DIR    only deletions at or below DIR (repeatable); default: the whole system
  --failed      also deletions that failed
  --mode MODE   which kernel programs trace (default: ${DEFAULT_ATTACH_MODE}):
                raw         raw tracepoints on every syscall; sees 32-bit programs too
                tracepoint  the deletion syscalls' own tracepoints; does not see
                            deletions by 32-bit programs on a 64-bit kernel`;

interface TraceCommandOptions {
  jsonl: boolean;
  scope: Scope;
  includeFailed: boolean;
  /** Absent: DEFAULT_ATTACH_MODE. */
  attachMode?: AttachMode;
}

export function parseTraceArguments(args: string[], cwd: string): TraceCommandOptions {
  const { values } = parseArgs({
    args,
    options: {
      jsonl: { type: 'boolean', default: false },
      path: { type: 'string', multiple: true },
      failed: { type: 'boolean', default: false },
      mode: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const paths = (values.path ?? []).map((directory) => {
    if (directory === '') throw new TypeError('--path needs a directory');
    return path.resolve(cwd, directory);
  });
  const mode = values.mode;
  if (mode !== undefined && !ATTACH_MODES.includes(mode as AttachMode)) {
    throw new TypeError(`--mode must be ${ATTACH_MODES.join(' or ')}, not ${JSON.stringify(mode)}`);
  }
  return {
    jsonl: values.jsonl === true,
    scope: paths.length > 0 ? { paths } : 'system',
    includeFailed: values.failed === true,
    ...(mode !== undefined ? { attachMode: mode as AttachMode } : {}),
  };
}

export function formatDeletionLine(event: DeletionEvent): string {
  const status = event.result === 0 ? 'ok' : (event.error ?? String(event.result));
  const shownPath = event.pathBytes !== undefined ? escapeBytes(Buffer.from(event.pathBytes, 'base64')) : escapeText(event.path);
  return `${event.time} ${String(event.pid).padStart(7)} ${escapeText(event.comm).padEnd(15)} ${status.padEnd(7)} ${shownPath}${event.directory ? '/' : ''}`;
}

export function runTraceCommand(args: string[]): void {
  let options: TraceCommandOptions;
  try {
    options = parseTraceArguments(args, process.cwd());
  } catch (error) {
    process.stderr.write(`syscall-trace: ${(error as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }

  const write = (text: string): void => {
    process.stdout.write(text);
  };
  const tracer = new DeletionTracer({
    onDeletions(events) {
      let chunk = '';
      if (options.jsonl) {
        for (const event of events) chunk += JSON.stringify({ type: 'deletion', ...event }) + '\n';
      } else {
        for (const event of events) chunk += formatDeletionLine(event) + '\n';
      }
      write(chunk);
    },
    onLost(lost) {
      if (options.jsonl) write(JSON.stringify({ type: 'lost', lost }) + '\n');
      else process.stderr.write(`syscall-trace: ${lost} deletions lost so far (the ring buffer was full)\n`);
    },
    onProblem(message) {
      process.stderr.write(`syscall-trace: ${message}\n`);
    },
  });

  try {
    tracer.useAttachMode(options.attachMode ?? DEFAULT_ATTACH_MODE);
    tracer.start({ scope: options.scope, includeFailed: options.includeFailed });
  } catch (error) {
    process.stderr.write(`syscall-trace: ${(error as Error).message.trimEnd()}\n`);
    tracer.close();
    process.exitCode = 1;
    return;
  }

  // Listening for SIGINT and SIGTERM before the ready line is printed: a
  // script may send either the moment it reads that line, and a signal that
  // came before its listener would kill the process without its stats line.
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    const stats = tracer.stop();
    tracer.close();
    if (options.jsonl) write(JSON.stringify({ type: 'stats', ...stats }) + '\n');
    else process.stderr.write(`${stats.events} deletions, ${stats.lost} lost.\n`);
    exitAfterOutput(0);
  };
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);

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
        attachMode: tracer.attachMode,
      }) + '\n',
    );
  } else {
    process.stderr.write(`Tracing deletions in ${escapeText(scopeText)} (${tracer.attachMode} mode); Ctrl-C stops.\n`);
  }

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
