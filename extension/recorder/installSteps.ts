// What *Record Deletions Continuously…* and *Stop Recording Continuously* run
// as root, and what they say before and after: `node dist/helper.js install`
// and `uninstall` (docs/flight-recorder.md, "Installing"), run once through the same
// elevation as the helper (helperLauncher.ts, runHelperCommand). No VS Code
// here, so that the command lines and sentences can be tested as they are.
import { RECORDER_DATABASE_DEFAULT, RETAIN_DAYS_DEFAULT, RETAIN_MIB_DEFAULT } from '../../common/protocol';
import { RECORDER_ACCOUNT } from '../../common/recorderAccount';
import type { ElevationPurpose } from '../launch/elevation';
import type { HelperRuntime } from '../launch/helperProcess';
import type { CompletedCommand } from '../launch/helperStartup';
import { capitalised, endSentence } from '../sentences';

/** Where `install` puts the helper, and the unit that starts it. */
export const RECORDER_INSTALL_DIR = '/usr/local/lib/syscall-trace';
export const RECORDER_UNIT_FILE = '/etc/systemd/system/syscall-trace-recorder.service';
/** The directory that holds the recording. */
export const RECORDER_DATA_DIR = RECORDER_DATABASE_DEFAULT.slice(0, RECORDER_DATABASE_DEFAULT.lastIndexOf('/') + 1);

export const INSTALLING: ElevationPurpose = {
  needsRoot: 'Installing the recorder',
  notDone: 'the recorder was not installed',
  toDo: 'To install it',
  fromTerminal: 'install it from a terminal: sudo node <extension>/dist/helper.js install --allow-uid $(id -u)',
};

export const UNINSTALLING: ElevationPurpose = {
  needsRoot: 'Removing the recorder',
  notDone: 'the recorder was not removed',
  toDo: 'To remove it',
  fromTerminal: `remove it from a terminal: sudo node ${RECORDER_INSTALL_DIR}/helper.js uninstall`,
};

/** How long install or uninstall may run once root runs it: copying a few MiB and starting or stopping the recorder. */
export const SETUP_PATIENCE_MS = 120_000;

/**
 * `install`: the recorder admits `uid` (the person at the keyboard; root is
 * always admitted), and where the machine has no suitable Node of its own
 * it keeps a root-owned copy of `runtime`, the one the extension runs the
 * helper with.
 */
export function installArgs(uid: number, runtime: HelperRuntime): string[] {
  return ['install', '--allow-uid', String(uid), '--runtime', runtime.execPath];
}

export function uninstallArgs(deleteHistory: boolean): string[] {
  return deleteHistory ? ['uninstall', '--delete-history'] : ['uninstall'];
}

/** The modal's question and its detail: what will run, as whom, what it keeps and who can read it. */
export function installConfirmation(person: string): { message: string; detail: string } {
  const size = RETAIN_MIB_DEFAULT % 1024 === 0 ? `${RETAIN_MIB_DEFAULT / 1024} GiB` : `${RETAIN_MIB_DEFAULT} MiB`;
  return {
    message: 'Record every deletion on this machine, continuously?',
    detail:
      `Syscall Trace will install a service that starts as root to load its tracing programs, then runs as a system user of its own (${RECORDER_ACCOUNT}), ` +
      `and records every deletion on this machine, by every user and process, ` +
      `with the command line of the process that made it, into ${RECORDER_DATA_DIR}. ` +
      `It keeps the last ${RETAIN_DAYS_DEFAULT} days, at most ${size}, the oldest going first. ` +
      `Root, and the members of groups an administrator allows (install --allow-group), can read all of it, command lines included; ` +
      `you (${person}) can read the deletions of your own processes only.\n\n` +
      `The service is installed into ${RECORDER_INSTALL_DIR} with the unit ${RECORDER_UNIT_FILE}, and starts now ` +
      `(and at every boot, where systemd runs). Installing needs root: you may be asked for your password. ` +
      `Stop Recording Continuously removes it.`,
  };
}

export const STOP_RECORDING = 'Stop Recording';
export const STOP_AND_DELETE_HISTORY = 'Stop and Delete History';

export function uninstallConfirmation(): { message: string; detail: string } {
  return {
    message: 'Stop recording deletions continuously?',
    detail:
      `The recorder is stopped and removed from ${RECORDER_INSTALL_DIR} and ${RECORDER_UNIT_FILE}. ` +
      `${STOP_RECORDING} keeps the history recorded so far in ${RECORDER_DATA_DIR}; ${STOP_AND_DELETE_HISTORY} deletes it too. ` +
      'Removing needs root: you may be asked for your password.',
  };
}

export type SetupOutcome =
  /** `lines`: what the command did, one line each, as it printed them on stdout. */
  | { succeeded: true; lines: string[] }
  /** `reason`: the last line the command wrote to stderr, which says why. */
  | { succeeded: false; reason: string };

/** Reads how install or uninstall ended: status 0 and its lines, or why it failed. */
export function setupOutcome(completed: CompletedCommand): SetupOutcome {
  if (completed.exit.code === 0 && completed.exit.signal === null) {
    return {
      succeeded: true,
      lines: completed.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    };
  }
  const lastLine = completed.stderrLines
    .filter((line) => line.trim() !== '')
    .at(-1)
    ?.trim();
  const how =
    completed.exit.signal !== null
      ? `it was killed by ${completed.exit.signal}`
      : completed.exit.code === null
        ? 'it could not be started'
        : `it exited with status ${completed.exit.code}`;
  return { succeeded: false, reason: lastLine ?? how };
}

/** What the command printed, one line each ("copied ... into ..."), as sentences for a notification. */
export function doneSentences(lines: readonly string[]): string {
  return lines.map((line) => capitalised(endSentence(line))).join(' ');
}
