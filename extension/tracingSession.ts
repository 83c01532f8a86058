// The helper's life as the user sees it: *Start* (with progress while it
// elevates and loads), deletions flowing into the store, the status-bar
// count, the scope following the workspace folders, *Stop*, and a helper
// that dies being reported with its last stderr lines. One helper serves the
// window: *Stop* leaves it waiting, without privileges, and the next *Start*
// traces with it again, so the password is asked once per window.
import * as path from 'node:path';
import * as vscode from 'vscode';

import { DEFAULT_MODE_CHOICE, type AttachMode, type DeletionEvent, type ModeChoice, type Scope } from '../common/protocol';
import type { DeletionsView } from './deletionsView';
import type { DeletionStore } from './deletionStore';
import { countText } from './displayText';
import { elevationFacts } from './elevation';
import { HelperEndedError, type HelperConnection } from './helperConnection';
import { launchHelper } from './helperLauncher';
import { describeExit } from './helperProcess';
import { LaunchError } from './launchError';
import { Commands, TRACING_CONTEXT_KEY, VIEW_ID } from './names';
import { helperScope, sameScope, type ScopeChoice } from './scope';
import { readSettings } from './settings';
import type { WorkspaceFolderInfo } from './treeModel';

type State = 'stopped' | 'starting' | 'tracing' | 'stopping';
type Progress = vscode.Progress<{ message?: string }>;

export interface SessionContext {
  extensionPath: string;
  store: DeletionStore;
  view: DeletionsView;
  treeView: vscode.TreeView<unknown>;
  log: vscode.OutputChannel;
  scopeChoice: () => ScopeChoice;
  folders: () => WorkspaceFolderInfo[];
}

export class TracingSession implements vscode.Disposable {
  private state: State = 'stopped';
  /** This window's helper, tracing or waiting for the next Start; undefined until one is started, and after it ends. */
  private helper: HelperConnection | undefined;
  private scope: Scope | undefined;
  /** trace/lost counts everything one helper has lost, over all its traces. */
  private lostByThisHelper = 0;
  /** The mode of the latest helper, as its initialize reply named it. */
  private attachMode: AttachMode | undefined;
  /** The latest helper's own mount namespace, the host's: it stays the host's when that helper ends. */
  private hostMountNamespaceOfHelper: number | undefined;
  private disposed = false;
  private readonly statusBar: vscode.StatusBarItem;

  constructor(private readonly context: SessionContext) {
    this.statusBar = vscode.window.createStatusBarItem('syscallTrace.count', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Syscall Trace';
    this.statusBar.command = `${VIEW_ID}.focus`;
  }

  get isTracing(): boolean {
    return this.state === 'tracing';
  }

  /** The host's mount namespace, once a helper has said it: a deletion in another one came from a container or the like. */
  get hostMountNamespace(): number | undefined {
    return this.hostMountNamespaceOfHelper;
  }

  async start(): Promise<void> {
    // As Run and Debug shows its own view: what Start fills is in sight.
    void vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    if (this.state !== 'stopped') {
      void vscode.window.showInformationMessage(this.state === 'tracing' ? 'Syscall Trace is already tracing deletions.' : 'Syscall Trace is busy: try again in a moment.');
      return;
    }
    this.state = 'starting';
    this.context.treeView.message = undefined;
    this.update();
    const { log } = this.context;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Syscall Trace', cancellable: false },
        async (progress) => {
          const helper = await this.helperInMode(readSettings().attachMode ?? DEFAULT_MODE_CHOICE, progress);
          progress.report({ message: 'Attaching the BPF programs…' });
          this.scope = helperScope(this.context.scopeChoice(), this.context.folders());
          // Failed attempts are always asked for, and hidden in the view unless syscallTrace.showFailed:
          // turning the setting on then shows them from the start.
          const started = await helper.start(this.scope, true);
          log.appendLine(`tracing ${describeScope(this.scope)} since ${started.startedAt}`);
        },
      );
      this.state = 'tracing';
    } catch (error) {
      this.state = 'stopped';
      // A helper that could not start tracing would fail the same way next time: the next Start begins afresh.
      await this.endHelper();
      this.reportStartFailure(error);
    }
    this.update();
  }

  /** Stops tracing; the helper stays for the next Start. */
  async stop(): Promise<void> {
    const helper = this.helper;
    if (this.state !== 'tracing' || helper === undefined) return;
    this.state = 'stopping';
    this.update();
    const { log } = this.context;
    try {
      const stats = await helper.stop();
      log.appendLine(`stopped: ${stats.events} deletions reported, ${stats.lost} lost, ${stats.filtered} outside the scope`);
      if (this.helper === helper) log.appendLine(`the helper (pid ${helper.info.pid}) stays, without privileges, for the next Start`);
    } catch (error) {
      log.appendLine(`could not stop tracing (${error instanceof Error ? error.message : String(error)}): ending the helper`);
      if (this.helper === helper) await this.endHelper();
    }
    this.state = 'stopped';
    this.update();
  }

  /** The workspace folders or the user's choice changed: the helper traces what is asked now. */
  async followScope(): Promise<void> {
    const helper = this.helper;
    if (this.state !== 'tracing' || helper === undefined) return;
    const scope = helperScope(this.context.scopeChoice(), this.context.folders());
    if (this.scope !== undefined && sameScope(scope, this.scope)) return;
    this.scope = scope;
    try {
      await helper.setScope(scope);
      this.context.log.appendLine(`now tracing ${describeScope(scope)}`);
    } catch (error) {
      this.context.log.appendLine(`could not change the scope: ${String(error)}`);
    }
  }

  /** Redraws the status bar and the context keys. */
  update(): void {
    const { store } = this.context;
    const count = store.size + store.dropped;
    void vscode.commands.executeCommand('setContext', TRACING_CONTEXT_KEY, this.state === 'tracing');
    if (this.state === 'stopped' && count === 0) {
      this.statusBar.hide();
      return;
    }
    const icon = this.state === 'tracing' ? '$(trash)' : this.state === 'stopped' ? '$(debug-pause)' : '$(loading~spin)';
    this.statusBar.text = `${icon} ${countText(count)}`;
    const mode = this.attachMode === undefined ? '' : ` (${this.attachMode} mode)`;
    this.statusBar.tooltip = `Syscall Trace: ${countText(count)} deletions${this.state === 'tracing' ? `, tracing${mode}` : ', stopped'} — show the Deletions view`;
    this.statusBar.show();
  }

  /** The window closes, or the extension is disabled: the helper ends with it. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.state = 'stopped';
    this.statusBar.dispose();
    await this.endHelper();
  }

  /** The helper to trace with: this window's, unless it traces in another mode than the setting asks; else a new one. */
  private async helperInMode(mode: ModeChoice, progress: Progress): Promise<HelperConnection> {
    const { log } = this.context;
    const current = this.helper;
    if (current !== undefined) {
      if (current.info.modeChoice === mode) {
        log.appendLine(`starting again with the helper already running (pid ${current.info.pid})`);
        return current;
      }
      log.appendLine(
        `syscallTrace.attachMode now asks for ${mode} mode, and the helper (pid ${current.info.pid}) was started in ${current.info.modeChoice} mode: ending it and starting another`,
      );
      progress.report({ message: 'Ending the helper of the other attach mode…' });
      await this.endHelper();
    }
    progress.report({ message: 'Starting the helper…' });
    const helper = await launchHelper({
      setting: readSettings().elevation,
      facts: elevationFacts(),
      runtime: { execPath: process.execPath, helperScript: path.join(this.context.extensionPath, 'dist', 'helper.js') },
      askSudoPassword: () => askSudoPassword(),
      offerSudoRetry: () => offerSudoRetry(),
      listener: { onDeletions: (events) => this.onDeletions(events), onLost: (lost) => this.onLost(lost) },
      attachMode: mode,
      queueMib: readSettings().queueMib,
      log: (line) => log.appendLine(line),
      progress: (message) => progress.report({ message }),
    });
    if (this.disposed) {
      await helper.close();
      throw new LaunchError('The window is closing: tracing did not start.');
    }
    this.helper = helper;
    this.lostByThisHelper = 0;
    this.attachMode = helper.info.attachMode;
    this.hostMountNamespaceOfHelper = helper.info.mountNamespace;
    log.appendLine(
      `helper ${helper.info.helperVersion} (pid ${helper.info.pid}) on Linux ${helper.info.kernelRelease} ${helper.info.arch}, ${helper.info.modeChoice} mode: ${describeAttachMode(helper.info.attachMode)}`,
    );
    // What this helper cannot see is said where the user looks, not only in the log.
    for (const blindSpot of helper.info.unseen) log.appendLine(`not seen: ${blindSpot}`);
    if (helper.info.unseen.length > 0) {
      void vscode.window.showWarningMessage(`Syscall Trace does not see ${helper.info.unseen.map((blindSpot) => blindSpot.split(':')[0]).join(', nor ')} (see the log).`);
    }
    void helper.helper.exited.then((exit) => this.onHelperExit(helper, describeExit(exit)));
    return helper;
  }

  /** Ends this window's helper, if there is one: shutdown, then its stdin closed. */
  private async endHelper(): Promise<void> {
    const helper = this.helper;
    this.helper = undefined;
    await helper?.close();
  }

  private onDeletions(events: DeletionEvent[]): void {
    this.context.store.add(events);
    this.context.view.refresh();
    this.update();
  }

  private onLost(lost: number): void {
    this.context.store.addLost(lost - this.lostByThisHelper);
    this.lostByThisHelper = Math.max(this.lostByThisHelper, lost);
    this.context.view.refresh();
  }

  private onHelperExit(helper: HelperConnection, how: string): void {
    // A helper that was asked to end is no longer this.helper.
    if (this.helper !== helper) return;
    this.helper = undefined;
    const { log, treeView } = this.context;
    if (this.state !== 'tracing') {
      // Idle (or between requests, whose failure is reported where they were made): nothing was lost.
      log.appendLine(`the helper (pid ${helper.info.pid}) ${how} while not tracing; the next Start starts another`);
      for (const line of helper.helper.lastStderrLines.slice(-10)) log.appendLine(`  ${line}`);
      return;
    }
    this.state = 'stopped';
    log.appendLine(`the helper ${how}; its last lines on stderr:`);
    for (const line of helper.helper.lastStderrLines.slice(-10)) log.appendLine(`  ${line}`);
    treeView.message = `Tracing stopped: the helper ${how}. Its last lines are in the log (Syscall Trace: Show Log).`;
    this.update();
    void vscode.window.showErrorMessage(`Syscall Trace: the helper ${how}.`, 'Show Log', 'Start Again').then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
      if (choice === 'Start Again') void vscode.commands.executeCommand(Commands.start);
    });
  }

  private reportStartFailure(error: unknown): void {
    const { log, treeView } = this.context;
    const message = error instanceof Error ? error.message : String(error);
    log.appendLine(`could not start tracing: ${message}`);
    if (error instanceof HelperEndedError) for (const line of error.stderrLines.slice(-10)) log.appendLine(`  ${line}`);
    treeView.message = `Tracing did not start: ${message}`;
    if (error instanceof LaunchError) void vscode.window.showWarningMessage(`Syscall Trace: ${message}`);
    else {
      void vscode.window.showErrorMessage(`Syscall Trace could not start tracing: ${message}`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
      });
    }
  }
}

function describeAttachMode(mode: AttachMode): string {
  return mode === 'raw' ? 'raw tracepoints on every syscall' : "the deletion syscalls' own tracepoints";
}

function describeScope(scope: Scope): string {
  return scope === 'system' ? 'the whole system' : scope.paths.join(', ');
}

/** Shown at once, while sudo waits at its next prompt: Try Again types into the same sudo. */
async function offerSudoRetry(): Promise<boolean> {
  return (await vscode.window.showWarningMessage('Syscall Trace: sudo did not accept the password.', 'Try Again')) === 'Try Again';
}

async function askSudoPassword(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Syscall Trace: sudo password',
    prompt: 'Loading the BPF programs needs root. Your password goes to sudo only; it is neither logged nor kept.',
    password: true,
    ignoreFocusOut: true,
  });
}
