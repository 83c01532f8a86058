// The history command: `node dist/helper.js history [--db FILE] [--path DIR]...
// [--since WHEN] [--until WHEN] [--failed] [--jsonl]` prints what the
// recorder wrote, oldest first, in the lines the trace command prints live
// ones in (docs/wire-protocol.md, "Terminal command"). It reads the database
// itself, read-only, beside a recorder that goes on writing (WAL): it needs
// to be able to read the file, which only root can.
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { RECORDER_DATABASE_DEFAULT, type Scope } from '../../common/protocol';
import { formatDeletionLine, formatDeletionJson } from '../commands/traceCommand';
import { Recording, RecordingError } from './recording';
import { runCommand } from '../commands/commandRunner';

export const HISTORY_USAGE = `usage: node dist/helper.js history [--db FILE] [--path DIR]... [--since WHEN] [--until WHEN] [--failed] [--jsonl]
  --db FILE     the recording (default: ${RECORDER_DATABASE_DEFAULT})
  --path DIR    only deletions at or below DIR (repeatable); default: all
  --since WHEN  only deletions at or after WHEN: a time ago (90s, 15m, 2h, 7d,
                2w) or an ISO-8601 time (2026-11-27T09:00:00Z)
  --until WHEN  only deletions before WHEN, written as for --since
  --failed      also deletions that failed
  --jsonl       one JSON object per line, as the trace command's`;

export interface HistoryCommandOptions {
  db: string;
  scope: Scope;
  sinceMs?: number;
  untilMs?: number;
  includeFailed: boolean;
  jsonl: boolean;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "7d" (seven days before `now`) or an ISO-8601 time, in milliseconds since the epoch; throws TypeError otherwise. */
export function parseWhen(option: string, given: string, now: number): number {
  const ago = /^(\d{1,9})([smhdw])$/.exec(given);
  if (ago !== null) return now - Number(ago[1]) * UNIT_MS[ago[2]];
  if (/^\d{4}-\d{2}-\d{2}(T|$)/.test(given)) {
    const time = Date.parse(given);
    if (!Number.isNaN(time)) return time;
  }
  throw new TypeError(
    `${option} must be a time ago (90s, 15m, 2h, 7d, 2w) or an ISO-8601 time, not ${JSON.stringify(given)}`,
  );
}

export function parseHistoryArguments(args: string[], cwd: string, now: number): HistoryCommandOptions {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      path: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      failed: { type: 'boolean', default: false },
      jsonl: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.db === '') throw new TypeError('--db needs a file');
  const paths = (values.path ?? []).map((directory) => {
    if (directory === '') throw new TypeError('--path needs a directory');
    return path.resolve(cwd, directory);
  });
  const options: HistoryCommandOptions = {
    db: path.resolve(cwd, values.db ?? RECORDER_DATABASE_DEFAULT),
    scope: paths.length > 0 ? { paths } : 'system',
    includeFailed: values.failed === true,
    jsonl: values.jsonl === true,
  };
  if (values.since !== undefined) options.sinceMs = parseWhen('--since', values.since, now);
  if (values.until !== undefined) options.untilMs = parseWhen('--until', values.until, now);
  return options;
}

export function runHistoryCommand(args: string[]): void {
  runCommand({
    usage: HISTORY_USAGE,
    parse: () => parseHistoryArguments(args, process.cwd(), Date.now()),
    run: showHistory,
    failureMessage: (error) => (error instanceof RecordingError ? error.message : undefined),
  });
}

/** Prints the deletions, then on stderr how many, and how many could not be read. */
function showHistory(options: HistoryCommandOptions): Promise<void> {
  // A reader that goes away (`| head`) ends the command quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  return printHistory(options).then(({ count, unreadable }) => {
    if (!options.jsonl) process.stderr.write(`${count} deletions.\n`);
    // Told whatever the format: a --jsonl reader cannot see the rows that are missing.
    if (unreadable > 0)
      process.stderr.write(
        `syscall-trace: ${unreadable} recorded deletions could not be read (the recording is damaged there) and are left out\n`,
      );
  });
}

/** Bytes of lines written at a time; the next are made once stdout has taken them. */
const CHUNK_BYTES = 1 << 20;

/** Writes each deletion that matches, whole, in the trace command's line or --jsonl line; says how many, and how many rows were unreadable. */
export async function printHistory(options: HistoryCommandOptions): Promise<{ count: number; unreadable: number }> {
  const recording = Recording.openForReading(options.db);
  let count = 0;
  let unreadable = 0;
  try {
    let chunk = '';
    for (const event of recording.iterate(options, (rows) => (unreadable += rows))) {
      chunk += (options.jsonl ? formatDeletionJson(event) : formatDeletionLine(event)) + '\n';
      count++;
      if (chunk.length >= CHUNK_BYTES) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(chunk);
  } finally {
    recording.close();
  }
  return { count, unreadable };
}

function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}
