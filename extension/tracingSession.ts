// One helper's life as the user sees it: *Start* (with progress while it
// elevates and loads), deletions flowing into the store, the status-bar
// count, the scope following the workspace folders, *Stop*, and a helper
// that dies being reported with its last stderr lines.
import * as path from 'node:path';
import * as vscode from 'vscode';

import type { AttachMode, DeletionEvent, Scope } from '../common/protocol';
import type { DeletionsView } from './deletionsView';
import type { DeletionStore } from './deletionStore';
import { countText } from './displayText';
import { elevationFacts } from './elevation';
import { HelperEndedError, type HelperConnection } from './helperConnection';
import { LaunchError, launchHelper } from './helperLauncher';
import { describeExit } from './helperProcess';
import { Commands, TRACING_CONTEXT_KEY, VIEW_ID } from './names';
import { helperScope, sameScope, type ScopeChoice } from './scope';
import { readSettings } from './settings';
import type { WorkspaceFolderInfo } from './treeModel';

type State = 'stopped' | 'starting' | 'tracing' | 'stopping';

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
  private helper: HelperConnection | undefined;
  private scope: Scope | undefined;
  private lostByThisHelper = 0;
  /** The mode of the latest helper, as its initialize reply named it. */
  private attachMode: AttachMode | undefined;
  private readonly statusBar: vscode.StatusBarItem;

  constructor(private readonly context: SessionContext) {
    this.statusBar = vscode.window.createStatusBarItem('syscallTrace.count', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Syscall Trace';
    this.statusBar.command = `${VIEW_ID}.focus`;
  }

  get isTracing(): boolean {
    return this.state === 'tracing';
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') {
      void vscode.window.showInformationMessage(this.state === 'tracing' ? 'Syscall Trace is already tracing deletions.' : 'Syscall Trace is busy: try again in a moment.');
      return;
    }
    this.state = 'starting';
    this.context.treeView.message = undefined;
    const { log } = this.context;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Syscall Trace', cancellable: false },
        async (progress) => {
          progress.report({ message: 'Starting the helper…' });
          const settings = readSettings();
          const helper = await launchHelper({
            setting: settings.elevation,
            facts: elevationFacts(),
            runtime: { execPath: process.execPath, helperScript: path.join(this.context.extensionPath, 'dist', 'helper.js') },
            askSudoPassword: () => askSudoPassword(),
            listener: { onDeletions: (events) => this.onDeletions(events), onLost: (lost) => this.onLost(lost) },
            attachMode: settings.attachMode,
            log: (line) => log.appendLine(line),
          });
          this.helper = helper;
          this.attachMode = helper.info.attachMode;
          log.appendLine(
            `helper ${helper.info.helperVersion} (pid ${helper.info.pid}) on Linux ${helper.info.kernelRelease} ${helper.info.arch}, ${describeAttachMode(helper.info.attachMode)}`,
          );
          progress.report({ message: 'Loading the BPF programs…' });
          this.lostByThisHelper = 0;
          this.scope = helperScope(this.context.scopeChoice(), this.context.folders());
          // Failed attempts are always asked for, and hidden in the view unless syscallTrace.showFailed:
          // turning the setting on then shows them from the start.
          const started = await helper.start(this.scope, true);
          log.appendLine(`tracing ${describeScope(this.scope)} since ${started.startedAt}`);
          void helper.helper.exited.then((exit) => this.onHelperExit(helper, describeExit(exit)));
        },
      );
      this.state = 'tracing';
    } catch (error) {
      this.state = 'stopped';
      await this.helper?.close();
      this.helper = undefined;
      this.reportStartFailure(error);
    }
    this.update();
  }

  async stop(): Promise<void> {
    const helper = this.helper;
    if (this.state !== 'tracing' || helper === undefined) return;
    this.state = 'stopping';
    this.helper = undefined;
    this.update();
    const stats = await helper.close();
    if (stats !== undefined) this.context.log.appendLine(`stopped: ${stats.events} deletions reported, ${stats.lost} lost, ${stats.filtered} outside the scope`);
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

  async dispose(): Promise<void> {
    await this.stop();
    this.statusBar.dispose();
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
    // Only a helper that was tracing and was not asked to stop has died.
    if (this.helper !== helper) return;
    this.helper = undefined;
    this.state = 'stopped';
    const { log, treeView } = this.context;
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
  return mode === 'raw'
    ? 'raw mode (raw tracepoints on every syscall)'
    : "tracepoint mode (the deletion syscalls' own tracepoints; deletions by 32-bit programs are not seen)";
}

function describeScope(scope: Scope): string {
  return scope === 'system' ? 'the whole system' : scope.paths.join(', ');
}

async function askSudoPassword(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Syscall Trace: sudo password',
    prompt: 'Loading the BPF programs needs root. Your password goes to sudo only; it is neither logged nor kept.',
    password: true,
    ignoreFocusOut: true,
  });
}
