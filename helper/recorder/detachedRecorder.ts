// The recorder on a system that does not run systemd (docs/flight-recorder.md,
// "Installing"): `install` starts it in a session of its own, with its
// output appended to a log beside the database, and keeps its pid in a
// file; `uninstall` (and `install` again) ends it through that file. Nothing
// starts it again after a reboot.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** How long a recorder may take to load its programs and say it is ready. */
const READY_PATIENCE_MS = 60_000;
/** How long it may take to commit and close after SIGTERM, before it is killed. */
const STOP_PATIENCE_MS = 15_000;
/** How often its log is read for the ready line: a tenth of a second added to a start that takes several. */
const READY_POLL_MS = 100;
/** How often it is asked whether it has ended: it usually has within a fraction of a second. */
const STOP_POLL_MS = 50;
const READY_MARK = 'syscall-trace: recording deletions into ';

export interface DetachedStart {
  /** The command: runtime, helper, `record` and its options. */
  command: string[];
  logFile: string;
  pidFile: string;
}

/** Starts the recorder and resolves with its pid once it is ready; rejects with its last words if it ends first. */
export async function startDetachedRecorder({ command, logFile, pidFile }: DetachedStart): Promise<number> {
  const log = fs.openSync(logFile, 'a', 0o600);
  const logStart = fs.fstatSync(log).size;
  // As the unit's UMask=0077 would: whatever the recorder makes is its own.
  const umask = process.umask(0o077);
  let child;
  try {
    child = spawn(command[0], command.slice(1), {
      cwd: '/',
      detached: true,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', log, log],
    });
  } finally {
    process.umask(umask);
    fs.closeSync(log);
  }
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${command[0]} could not be started: ${error.message}`)));
    child.once('spawn', () => resolve(child.pid!));
  });
  child.unref();
  fs.writeFileSync(pidFile, `${pid}\n`, { mode: 0o644 });

  const deadline = Date.now() + READY_PATIENCE_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    const said = readFrom(logFile, logStart);
    if (said.includes(READY_MARK)) return pid;
    if (exited || Date.now() > deadline) {
      fs.rmSync(pidFile, { force: true });
      if (!exited) process.kill(pid, 'SIGKILL');
      const lastLine = said.trimEnd().split('\n').pop() ?? '';
      throw new Error(
        `the recorder ${exited ? 'ended' : 'did not say it was ready'} (${logFile}): ${lastLine || 'it said nothing'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

/**
 * Ends the recorder whose pid `pidFile` holds, if it still runs `helper`:
 * SIGTERM, then SIGKILL if it has not ended within STOP_PATIENCE_MS. Returns
 * its pid, or undefined where none ran.
 */
export async function stopDetachedRecorder(pidFile: string, helper: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  fs.rmSync(pidFile, { force: true });
  // A pid is used again once its process has ended: only the recorder it named is ended.
  if (!Number.isInteger(pid) || pid <= 1 || !runsRecorder(pid, helper)) return undefined;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_PATIENCE_MS;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_MS));
  }
  return pid;
}

function runsRecorder(pid: number, helper: string): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[1] === helper && argv[2] === 'record';
  } catch {
    return false;
  }
}

/** Running, and not a zombie that its new parent has yet to reap. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}
