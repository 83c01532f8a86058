// The flight recorder as the end-to-end test sees it from outside VS Code: a
// recorder the test starts itself on a database and socket of its own, a
// recording seeded with deletions from days ago (no clock is turned back:
// the test writes them through the recorder's own Recording), and the
// recorder that `install` puts on this machine, with its files and process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

import type { DeletionEvent } from '../../../common/protocol';
import { Recording } from '../../../helper/recorder/recording';
import { processesWith } from './helperProcesses';

/** Where `install` puts the recorder (docs/flight-recorder.md, "Installing"). */
export const INSTALL_DIR = '/usr/local/lib/syscall-trace';
export const UNIT_FILE = '/etc/systemd/system/syscall-trace-recorder.service';
export const DATA_DIR = '/var/lib/syscall-trace';
export const INSTALLED_DATABASE = `${DATA_DIR}/deletions.db`;
/** The installed recorder's socket and, where systemd does not run it, its pid file. */
const RUN_FILES = ['/run/syscall-trace/recorder.sock', '/run/syscall-trace/recorder.pid'];

/** What `record` says on stderr once it traces and serves its socket. */
const READY_LINE = /^syscall-trace: recording deletions into .*; serving .*$/m;

export class RecorderProcess {
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** `node <helperScript> record --db <database> --socket <socket>`, once it says it is ready. */
  static async start(helperScript: string, database: string, socket: string): Promise<RecorderProcess> {
    const child = spawn(process.execPath, [helperScript, 'record', '--db', database, '--socket', socket], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const recorder = new RecorderProcess(child);
    const deadline = Date.now() + 60_000;
    while (!READY_LINE.test(recorder.output)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await recorder.stop();
        throw new Error(`the recorder did not say it was ready:\n${recorder.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return recorder;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** What it wrote on stderr, for a failure's message. */
  get log(): string {
    return this.output;
  }

  /** SIGTERM: it flushes and closes its recording, and ends. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const ended = await Promise.race([
      this.exited.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    if (!ended) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Writes `events` into the recording `database` (made where missing), as a recorder would have. */
export function seedRecording(database: string, events: readonly DeletionEvent[]): void {
  const recording = Recording.open({ file: database, retainDays: 30, retainBytes: 1 << 30 });
  try {
    recording.add(events);
    recording.flush();
  } finally {
    recording.close();
  }
}

/** The deletions at or under `directory` that the recording holds, as `history --jsonl` prints them. */
export function recordedDeletions(helperScript: string, database: string, directory: string): DeletionEvent[] {
  const output = execFileSync(
    process.execPath,
    [helperScript, 'history', '--db', database, '--path', directory, '--jsonl'],
    { encoding: 'utf8' },
  );
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DeletionEvent);
}

/** The recorders running from the installed copy (`install` starts them detached where systemd does not run). */
export function installedRecorders(): number[] {
  return processesWith(`${INSTALL_DIR}/helper.js`).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('record');
    } catch {
      return false;
    }
  });
}

/** Whether any part of an installed recorder is on this machine. */
export function recorderInstalled(): boolean {
  return fs.existsSync(INSTALL_DIR) || fs.existsSync(UNIT_FILE) || installedRecorders().length > 0;
}

/**
 * Removes an installed recorder, through `uninstall` as a person would from
 * a terminal, and then whatever a failed uninstall left: its process, its
 * files. The recording is left alone; `keepData` false deletes it too.
 */
export function removeInstalledRecorder(helperScript: string, keepData: boolean): string {
  let said = '';
  if (recorderInstalled()) {
    try {
      said = execFileSync(process.execPath, [helperScript, 'uninstall', ...(keepData ? [] : ['--delete-history'])], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      said = `uninstall failed: ${(error as { stderr?: string }).stderr ?? String(error)}`;
    }
  }
  for (const pid of installedRecorders()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  fs.rmSync(INSTALL_DIR, { recursive: true, force: true });
  fs.rmSync(UNIT_FILE, { force: true });
  for (const file of RUN_FILES) fs.rmSync(file, { force: true });
  if (!keepData) fs.rmSync(DATA_DIR, { recursive: true, force: true });
  return said;
}
