// `node dist/helper.js record [--db FILE] [--socket PATH] [--allow-uid UID]...
// [--allow-group GROUP]... [--user NAME] [--retain-days N] [--retain-mib N]
// [--mode MODE] [--queue-mib N]`: the flight recorder (docs/flight-recorder.md,
// "Flight recorder"), as the service that `install` sets up runs it.
//
// Start, in this order: make the database's and the socket's directories
// the recorder account's (accountSetup.ts), load the programs, give up
// privileges in every thread and become that account, then bind the socket
// and open the database as it (so that both are its files, made by it),
// attach, and only then say `syscall-trace: recording deletions into FILE;
// serving SOCKET` on stderr and take clients. SIGTERM, SIGINT or SIGHUP:
// detach, record what the kernel still held, commit, close, remove the
// socket file, exit 0; a second signal ends at once, and counts what it
// leaves unrecorded as lost.
//
// Where sudo or pkexec started it, the recorder becomes its own account all
// the same, not the user who asked: a recorder that was that user's process
// could be stopped, or read, by that user.
import type * as net from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import {
  DEFAULT_MODE_CHOICE,
  MODE_CHOICES,
  parseQueueMib,
  QUEUE_MIB_DEFAULT,
  QUEUE_MIB_MAX,
  RECORDER_DATABASE_DEFAULT,
  RECORDER_SOCKET_DEFAULT,
  RETAIN_DAYS_DEFAULT,
  RETAIN_MIB_DEFAULT,
  type ModeChoice,
} from '../../common/protocol';
import { log } from '../helperLog';
import { PrivilegeDropError } from '../privileges/loadThenDrop';
import { AddonLoadError } from '../native';
import { Recorder, RecorderStartError } from './recorder';
import { claimDirectory, RECORDER_ACCOUNT, recorderAccount, RecorderAccountError } from './accountSetup';
import { bindRecorderSocket, RecorderSocketServer, SocketError } from './recorderSocket';
import { describeAccess, parseGroup, uniqueGroups, type GroupName } from './groups';
import { parseUid } from './uids';
import { messageOf } from '../../common/errors';
import { runCommand } from '../commands/commandRunner';

export const RECORD_USAGE = `usage: node dist/helper.js record [--db FILE] [--socket PATH] [--allow-uid UID]... [--allow-group GROUP]... [--user NAME] [--retain-days N] [--retain-mib N] [--mode MODE] [--queue-mib N]
  --db FILE            the database (default: ${RECORDER_DATABASE_DEFAULT})
  --socket PATH        the unix socket clients connect to (default: ${RECORDER_SOCKET_DEFAULT})
  --allow-uid UID      a user besides root that may connect, to see its own processes' deletions (repeatable)
  --allow-group GROUP  a group (name or gid) whose members may connect, to see every user's deletions, as root does (repeatable)
  --user NAME          the system user it runs as once loaded, where root starts it (default: ${RECORDER_ACCOUNT})
  --retain-days N      deletions older than N days are deleted (default: ${RETAIN_DAYS_DEFAULT})
  --retain-mib N       the oldest deletions are deleted while the database holds more than N MiB (default: ${RETAIN_MIB_DEFAULT})
  --mode MODE          which kernel programs trace: ${MODE_CHOICES.join(', ')} (default: ${DEFAULT_MODE_CHOICE})
  --queue-mib N        memory for deletions taken from the kernel that wait (default: ${QUEUE_MIB_DEFAULT}, at most ${QUEUE_MIB_MAX})`;

/** A century of days; a mebibyte less than 16 TiB, SQLite's own limit of a database is above that. */
export const RETAIN_DAYS_MAX = 36_500;
export const RETAIN_MIB_MAX = 16 * 1024 * 1024 - 1;
/** How long the end waits for the kernel's last records before it closes anyway. */
const STOP_PATIENCE_MS = 5000;
/** What keeps the recorder from starting, and is said in one line; anything else is a bug. */
const START_FAILURES = [RecorderStartError, RecorderAccountError, SocketError, PrivilegeDropError, AddonLoadError];

export interface RecordOptions {
  database: string;
  socket: string;
  allowUids: number[];
  allowGroups: GroupName[];
  /** The account it becomes once loaded, where it runs as root. */
  user: string;
  retainDays: number;
  retainMib: number;
  attachMode: ModeChoice;
  queueMib: number;
}

/** The options, paths made absolute against `cwd`; throws TypeError with a sentence for a wrong one. */
export function parseRecordArguments(args: string[], cwd: string): RecordOptions {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      socket: { type: 'string' },
      'allow-uid': { type: 'string', multiple: true },
      'allow-group': { type: 'string', multiple: true },
      user: { type: 'string' },
      'retain-days': { type: 'string' },
      'retain-mib': { type: 'string' },
      mode: { type: 'string' },
      'queue-mib': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const file = (option: string, given: string | undefined, fallback: string): string => {
    if (given === '') throw new TypeError(`--${option} needs a path`);
    return path.resolve(cwd, given ?? fallback);
  };
  const mode = values.mode ?? DEFAULT_MODE_CHOICE;
  if (!MODE_CHOICES.includes(mode as ModeChoice))
    throw new TypeError(`--mode must be ${MODE_CHOICES.join(', ')}, not ${JSON.stringify(mode)}`);
  const queueMib = values['queue-mib'] === undefined ? QUEUE_MIB_DEFAULT : parseQueueMib(values['queue-mib']);
  if (queueMib === undefined) {
    throw new TypeError(
      `--queue-mib must be a whole number from 1 to ${QUEUE_MIB_MAX}, not ${JSON.stringify(values['queue-mib'])}`,
    );
  }
  return {
    database: file('db', values.db, RECORDER_DATABASE_DEFAULT),
    socket: file('socket', values.socket, RECORDER_SOCKET_DEFAULT),
    allowUids: [...new Set((values['allow-uid'] ?? []).map((uid) => parseUid('--allow-uid', uid)))],
    allowGroups: uniqueGroups((values['allow-group'] ?? []).map((group) => parseGroup('--allow-group', group))),
    user: accountName(values.user),
    retainDays: wholeNumber('--retain-days', values['retain-days'], RETAIN_DAYS_DEFAULT, RETAIN_DAYS_MAX),
    retainMib: wholeNumber('--retain-mib', values['retain-mib'], RETAIN_MIB_DEFAULT, RETAIN_MIB_MAX),
    attachMode: mode as ModeChoice,
    queueMib,
  };
}

function accountName(given: string | undefined): string {
  if (given === undefined) return RECORDER_ACCOUNT;
  // What useradd takes: nothing that could be read as a number or an option.
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(given))
    throw new TypeError(`--user must be a user's name, not ${JSON.stringify(given)}`);
  return given;
}

function wholeNumber(option: string, given: string | undefined, fallback: number, max: number): number {
  if (given === undefined) return fallback;
  const value = /^\d{1,9}$/.test(given) ? Number(given) : NaN;
  if (!(value >= 1 && value <= max))
    throw new TypeError(`${option} must be a whole number from 1 to ${max}, not ${JSON.stringify(given)}`);
  return value;
}

export function runRecordCommand(args: string[]): void {
  runCommand({
    usage: RECORD_USAGE,
    parse: () => parseRecordArguments(args, process.cwd()),
    run: (options) => {
      for (const variable of ['SUDO_UID', 'SUDO_GID', 'PKEXEC_UID']) delete process.env[variable];
      return record(options);
    },
    // An addon that cannot be loaded says what to install, in one line, as main.ts has it say for the other commands.
    failureMessage: (error) =>
      START_FAILURES.some((kind) => error instanceof kind)
        ? `the recorder cannot start: ${messageOf(error)}`
        : undefined,
    // What it had begun (the programs loaded, the socket bound) would keep the process alive.
    exitOnFailure: true,
  });
}

async function record(options: RecordOptions): Promise<void> {
  const recorder = new Recorder({
    database: options.database,
    retainDays: options.retainDays,
    retainMib: options.retainMib,
    attachMode: options.attachMode,
    queueMib: options.queueMib,
  });
  let server: RecorderSocketServer | undefined;
  // Listening before anything else: a signal that came before its listener
  // would end the recorder without its last commit.
  let ending = false;
  const end = (): void => {
    if (ending) {
      // Counts what it leaves behind (the last log line), and commits what it took.
      recorder.stopNow();
      process.exit(0);
    }
    ending = true;
    server?.endConnections();
    void recorder.stop(STOP_PATIENCE_MS).then(() => {
      server?.close();
      process.exit(0);
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, end);

  // Root's until the drop: the account, and its directories made its own.
  const account = process.getuid?.() === 0 ? recorderAccount(options.user) : undefined;
  claimDirectory(path.dirname(options.database), 0o700, account);
  // Open to every user: whoever is not admitted is told so rather than meeting EACCES.
  claimDirectory(path.dirname(options.socket), 0o755, account);
  recorder.loadThenGiveUpPrivileges(account);
  let listening: net.Server;
  try {
    listening = await bindRecorderSocket(options.socket);
  } catch (error) {
    recorder.tracer.close();
    throw error;
  }
  server = new RecorderSocketServer(listening, options.socket, recorder, {
    allowUids: new Set(options.allowUids),
    allowGroups: options.allowGroups,
  });
  if (ending) {
    server.close();
    return;
  }
  recorder.openRecording();
  try {
    recorder.start();
  } catch (error) {
    server.close();
    recorder.closeRecording();
    throw error;
  }
  server.serve();
  log(
    `${describeAccess(options.allowUids, options.allowGroups)}; keeps ${options.retainDays} days, at most ${options.retainMib} MiB`,
  );
  process.stderr.write(`syscall-trace: recording deletions into ${options.database}; serving ${options.socket}\n`);
}
