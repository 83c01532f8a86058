// *Record Deletions Continuously…* and *Stop Recording Continuously*: a modal
// that says what will happen, then `helper.js install` or `uninstall` run
// once as root through the helper's own elevation (runHelperCommand), with
// progress; the outcome in a notification and the command's whole output in
// the log. A success is announced to the rest of the extension
// (recentInstall.ts).
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

import { elevationFacts, type ElevationPurpose } from '../launch/elevation';
import { HelperEndedError } from '../launch/helperConnection';
import { runHelperCommand } from '../launch/helperLauncher';
import { stderrTailForLog } from '../launch/helperProcess';
import { LaunchError } from '../launch/launchError';
import { Commands } from '../names';
import { announceRecorderChange, type RecorderChange } from './recentInstall';
import {
  doneSentences,
  INSTALLING,
  installArgs,
  installConfirmation,
  RECORDER_DATA_DIR,
  SETUP_PATIENCE_MS,
  setupOutcome,
  STOP_AND_DELETE_HISTORY,
  STOP_RECORDING,
  uninstallArgs,
  uninstallConfirmation,
  UNINSTALLING,
} from './installSteps';
import { capitalised } from '../sentences';
import { readSettings } from '../settings';
import { askSudoPassword, offerSudoRetry } from '../launch/sudoDialogs';
import { messageOf } from '../../common/errors';

export interface RecorderCommandContext {
  extensionPath: string;
  log: vscode.OutputChannel;
}

const INSTALL_AND_RECORD = 'Install and Record';

export function registerRecorderCommands(context: RecorderCommandContext): vscode.Disposable[] {
  // One install or uninstall at a time: two would race over the same files.
  let busy = false;
  const once = (run: () => Promise<void>) => async (): Promise<void> => {
    if (busy) {
      void vscode.window.showInformationMessage(
        'Syscall Trace is installing or removing the recorder: try again in a moment.',
      );
      return;
    }
    busy = true;
    try {
      await run();
    } finally {
      busy = false;
    }
  };
  return [
    vscode.commands.registerCommand(
      Commands.recordContinuously,
      once(() => recordContinuously(context)),
    ),
    vscode.commands.registerCommand(
      Commands.stopRecordingContinuously,
      once(() => stopRecordingContinuously(context)),
    ),
  ];
}

async function recordContinuously(context: RecorderCommandContext): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  const { message, detail } = installConfirmation(`${os.userInfo().username}, uid ${uid}`);
  if (
    (await vscode.window.showInformationMessage(message, { modal: true, detail }, INSTALL_AND_RECORD)) !==
    INSTALL_AND_RECORD
  )
    return;
  await runSetup(context, {
    purpose: INSTALLING,
    title: 'Installing the recorder',
    running: 'Installing the recorder and starting it…',
    args: (runtime) => installArgs(uid, runtime),
    change: 'installed',
    succeeded: 'Syscall Trace now records every deletion on this machine.',
  });
}

async function stopRecordingContinuously(context: RecorderCommandContext): Promise<void> {
  const { message, detail } = uninstallConfirmation();
  const choice = await vscode.window.showWarningMessage(
    message,
    { modal: true, detail },
    STOP_RECORDING,
    STOP_AND_DELETE_HISTORY,
  );
  if (choice !== STOP_RECORDING && choice !== STOP_AND_DELETE_HISTORY) return;
  const deleteHistory = choice === STOP_AND_DELETE_HISTORY;
  await runSetup(context, {
    purpose: UNINSTALLING,
    title: 'Removing the recorder',
    running: 'Stopping the recorder and removing it…',
    args: () => uninstallArgs(deleteHistory),
    change: 'uninstalled',
    succeeded: deleteHistory
      ? 'Syscall Trace no longer records deletions; the recorder and its history are removed.'
      : `Syscall Trace no longer records deletions; the recorder is removed, and the history stays in ${RECORDER_DATA_DIR}.`,
  });
}

interface Setup {
  purpose: ElevationPurpose;
  /** The progress notification's title. */
  title: string;
  /** The progress while root runs it. */
  running: string;
  args: Parameters<typeof runHelperCommand>[0]['args'];
  change: RecorderChange;
  /** The first sentence of the notification that says it worked. */
  succeeded: string;
}

async function runSetup(context: RecorderCommandContext, setup: Setup): Promise<void> {
  const { log } = context;
  log.appendLine(setup.title.toLowerCase());
  try {
    const completed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Syscall Trace: ${setup.title}`, cancellable: false },
      (progress) =>
        runHelperCommand({
          setting: readSettings().elevation,
          facts: elevationFacts(),
          runtime: { execPath: process.execPath, helperScript: path.join(context.extensionPath, 'dist', 'helper.js') },
          askSudoPassword: () => askSudoPassword(`${setup.purpose.needsRoot} needs root.`),
          offerSudoRetry,
          log: (line) => log.appendLine(line),
          progress: (message) => progress.report({ message }),
          purpose: setup.purpose,
          args: setup.args,
          running: setup.running,
          patienceMs: SETUP_PATIENCE_MS,
        }),
    );
    const outcome = setupOutcome(completed);
    if (!outcome.succeeded) {
      log.appendLine(`${setup.purpose.notDone}: ${outcome.reason}`);
      reportFailure(log, `Syscall Trace: ${capitalised(setup.purpose.notDone)}: ${outcome.reason}`);
      return;
    }
    log.appendLine(setup.succeeded);
    announceRecorderChange(setup.change);
    // What it did, as the helper said it, one line each: where the files went, how the recorder runs.
    const done = doneSentences(outcome.lines);
    void vscode.window
      .showInformationMessage(done === '' ? setup.succeeded : `${setup.succeeded} ${done}`, 'Show Log')
      .then((choice) => {
        if (choice === 'Show Log') log.show(true);
      });
  } catch (error) {
    const message = messageOf(error);
    log.appendLine(`${setup.purpose.notDone}: ${message}`);
    if (error instanceof HelperEndedError) for (const line of stderrTailForLog(error.stderrLines)) log.appendLine(line);
    if (error instanceof LaunchError) void vscode.window.showWarningMessage(`Syscall Trace: ${message}`);
    else reportFailure(log, `Syscall Trace: ${capitalised(setup.purpose.notDone)}: ${message}`);
  }
}

function reportFailure(log: vscode.OutputChannel, message: string): void {
  void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
    if (choice === 'Show Log') log.show(true);
  });
}
