// The helper's life as the user sees it: *Start* (with progress while it
// elevates and loads), deletions flowing into the store, the status-bar
// count, the scope following the workspace folders, *Stop*, and a helper
// that dies being reported with its last stderr lines. One helper serves the
// window: *Stop* leaves it waiting, without privileges, and the next *Start*
// traces with it again, so the password is asked once per window. Where a
// recorder admits this user, it takes the helper's place (windowRecorder.ts):
// no elevation, its history in the view beside the live deletions, and
// after a window reload the view shows what it showed.
import * as path from 'node:path';
import * as vscode from 'vscode';

import {
  DEFAULT_MODE_CHOICE,
  type AttachMode,
  type DeletionEvent,
  type ModeChoice,
  type Scope,
  type TraceStats,
} from '../common/protocol';
import type { DeletionsView } from './view/deletionsView';
import type { DeletionStore } from './view/deletionStore';
import { countText, notificationText } from './view/displayText';
import { elevationFacts } from './launch/elevation';
import { HelperEndedError, type HelperConnection } from './launch/helperConnection';
import { launchHelper } from './launch/helperLauncher';
import { describeExit, stderrTailForLog } from './launch/helperProcess';
import { asLaunchError, LaunchError } from './launch/launchError';
import { Commands, TRACING_CONTEXT_KEY, VIEW_ID } from './names';
import type { RecorderConnection } from './recorder/recorderClient';
import { RecorderLink } from './recorder/windowRecorder';
import { describeScope, helperScope, historyScope, sameScope, scopeLabel, type ScopeChoice } from './scope';
import { readSettings } from './settings';
import { askSudoPassword, offerSudoRetry } from './launch/sudoDialogs';
import { rangeLabel, type TimeRange } from './recorder/timeRange';
import type { TracingClient } from './tracingClient';
import type { RecorderNotices, WorkspaceFolderInfo } from './view/treeModel';
import { messageOf } from '../common/errors';

type State = 'stopped' | 'starting' | 'tracing' | 'stopping';

/**
 * workspaceState: true once the person started tracing, false once they
 * stopped it. With a recorder, a window that traced when it closed or
 * reloaded traces again (nothing is asked for), so that the view shows what
 * it showed.
 */
const WAS_TRACING_KEY = 'syscallTrace.wasTracing';
/** A recorder that is (re)starting (systemd, a reinstall, an update) loads its programs first: about a second, more on a busy machine. */
const RECONNECT_MS = 15_000;
type Progress = vscode.Progress<{ message?: string }>;

export interface SessionContext {
  extensionPath: string;
  store: DeletionStore;
  view: DeletionsView;
  treeView: vscode.TreeView<unknown>;
  log: vscode.OutputChannel;
  scopeChoice: () => ScopeChoice;
  folders: () => WorkspaceFolderInfo[];
  /** How far back the recorder's history goes in the view. */
  timeRange: () => TimeRange;
  /** The workspace's memory: whether it traced, for the window after a reload. */
  memento: vscode.Memento;
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
  /** The recorder, where one admits this user, and its history in the view. */
  private readonly recorderLink: RecorderLink;
  /** What traces while tracing: the window's helper, or the recorder. */
  private tracingWith: 'helper' | 'recorder' | undefined;
  /** Whether the recorder's blind spots were said: once per window. */
  private recorderUnseenSaid = false;

  constructor(private readonly context: SessionContext) {
    this.statusBar = vscode.window.createStatusBarItem('syscallTrace.count', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'Syscall Trace';
    this.statusBar.command = `${VIEW_ID}.focus`;
    this.recorderLink = new RecorderLink({
      store: context.store,
      view: context.view,
      treeView: context.treeView,
      log: context.log,
      historyWanted: () => ({
        scope: historyScope(context.scopeChoice(), context.folders()),
        range: context.timeRange(),
      }),
      changed: () => this.update(),
      closed: () => void this.onRecorderClosed(),
      installed: (recorder) => void this.useInstalledRecorder(recorder),
    });
  }

  get isTracing(): boolean {
    return this.state === 'tracing';
  }

  /** The host's mount namespace, once a helper or the recorder has said it: a deletion in another one came from a container or the like. */
  get hostMountNamespace(): number | undefined {
    return this.hostMountNamespaceOfHelper ?? this.recorderLink.recorder?.info.mountNamespace;
  }

  /** What the view says of the recorder and its history, where it shows them. */
  get recorderNotices(): RecorderNotices | undefined {
    return this.recorderLink.notices();
  }

  /** The recorder, connecting to it if it is there and admits this user; undefined otherwise. */
  connectRecorder(): Promise<RecorderConnection | undefined> {
    return this.recorderLink.connect();
  }

  /**
   * The window opened (or reloaded): where a recorder admits this user, the
   * view shows its history for the workspace's folder filter and time range,
   * and traces again if it traced before. Without one, nothing happens.
   */
  async restore(): Promise<void> {
    const recorder = await this.recorderLink.connect();
    if (recorder === undefined || this.state !== 'stopped') return;
    if (this.context.memento.get<boolean>(WAS_TRACING_KEY) === true) {
      this.state = 'starting';
      this.update();
      await this.startWithRecorder(recorder);
    } else {
      await this.recorderLink.showHistory('fresh');
    }
  }

  async start(): Promise<void> {
    // As Run and Debug shows its own view: what Start fills is in sight.
    void vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    if (this.state !== 'stopped') {
      void vscode.window.showInformationMessage(
        this.state === 'tracing'
          ? 'Syscall Trace is already tracing deletions.'
          : 'Syscall Trace is busy: try again in a moment.',
      );
      return;
    }
    this.state = 'starting';
    this.context.treeView.message = undefined;
    this.update();
    // The recorder traces already, as root: no elevation, no password.
    const recorder = await this.recorderLink.connect();
    if (recorder !== undefined) {
      await this.startWithRecorder(recorder);
      return;
    }
    this.recorderLink.tellRefusal();
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
      this.tracingWith = 'helper';
      // The store holds the helper's deletions now, numbered by it: a recorder's history replaces them.
      this.recorderLink.forgetHistory();
      void this.context.memento.update(WAS_TRACING_KEY, true);
    } catch (error) {
      this.state = 'stopped';
      // A helper that could not start tracing would fail the same way next time: the next Start begins afresh.
      await this.endHelper();
      this.reportStartFailure(asLaunchError(error));
    }
    this.update();
  }

  /** Stops tracing; the helper stays for the next Start. */
  async stop(): Promise<void> {
    if (this.state === 'tracing' && this.tracingWith === 'recorder') return this.stopWithRecorder();
    const helper = this.helper;
    if (this.state !== 'tracing' || helper === undefined) return;
    this.state = 'stopping';
    void this.context.memento.update(WAS_TRACING_KEY, false);
    this.update();
    const { log } = this.context;
    try {
      const stats = await helper.stop();
      log.appendLine(stoppedLine(stats));
      if (this.helper === helper)
        log.appendLine(`the helper (pid ${helper.info.pid}) stays, without privileges, for the next Start`);
    } catch (error) {
      log.appendLine(`could not stop tracing (${messageOf(error)}): ending the helper`);
      if (this.helper === helper) await this.endHelper();
    }
    this.state = 'stopped';
    this.tracingWith = undefined;
    this.update();
  }

  /**
   * The workspace folders, the user's choice or the time range changed: the
   * helper (or the recorder) traces what is asked now, and the recorder's
   * history in the view is loaded again for that folder filter and range.
   */
  async followScope(): Promise<void> {
    await this.followTracingScope();
    if (this.recorderLink.recorder !== undefined && this.recorderLink.historyOutOfDate())
      await this.recorderLink.showHistory('fresh');
    this.update();
  }

  /** *Clear* emptied the store. */
  cleared(): void {
    this.recorderLink.cleared();
    this.update();
  }

  private async followTracingScope(): Promise<void> {
    const tracer: TracingClient | undefined =
      this.tracingWith === 'recorder' ? this.recorderLink.recorder : this.helper;
    if (this.state !== 'tracing' || tracer === undefined) return;
    const scope = helperScope(this.context.scopeChoice(), this.context.folders());
    if (this.scope !== undefined && sameScope(scope, this.scope)) return;
    this.scope = scope;
    try {
      await tracer.setScope(scope);
      this.context.log.appendLine(`now tracing ${describeScope(scope)}`);
    } catch (error) {
      this.context.log.appendLine(`could not change the scope: ${messageOf(error)}`);
    }
  }

  /** Redraws the status bar, the view's description and the context keys. */
  update(): void {
    const { store, treeView } = this.context;
    const count = store.size + store.dropped;
    void vscode.commands.executeCommand('setContext', TRACING_CONTEXT_KEY, this.state === 'tracing');
    const recorder = this.recorderLink.describe();
    // What the view shows: its folder filter, and with the recorder how far back its history goes.
    const description =
      scopeLabel(this.context.scopeChoice(), this.context.folders()) +
      (recorder === undefined ? '' : ` · ${rangeLabel(this.context.timeRange())}`);
    if (treeView.description !== description) treeView.description = description;
    if (this.state === 'stopped' && count === 0) {
      this.statusBar.hide();
      return;
    }
    const stoppedIcon = recorder === undefined ? '$(debug-pause)' : '$(history)';
    const icon = this.state === 'tracing' ? '$(trash)' : this.state === 'stopped' ? stoppedIcon : '$(loading~spin)';
    this.statusBar.text = `${icon} ${countText(count)}`;
    const mode = this.attachMode === undefined ? '' : ` (${this.attachMode} mode)`;
    const how = this.tracingWith === 'recorder' ? ' with the recorder' : '';
    this.statusBar.tooltip =
      `Syscall Trace: ${countText(count)} deletions${this.state === 'tracing' ? `, tracing${how}${mode}` : ', stopped'} — show the Deletions view` +
      (recorder === undefined ? '' : `\nRecorder: ${recorder}`);
    this.statusBar.show();
  }

  /** The window closes, or the extension is disabled: the helper ends with it. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.state = 'stopped';
    this.statusBar.dispose();
    await Promise.all([this.endHelper(), this.recorderLink.dispose()]);
  }

  /** Start, with the recorder: trace/start first, then the history up to it, so that no deletion falls between the two. */
  private async startWithRecorder(recorder: RecorderConnection): Promise<void> {
    const { log } = this.context;
    try {
      this.scope = helperScope(this.context.scopeChoice(), this.context.folders());
      const started = await recorder.start(this.scope, true);
      this.state = 'tracing';
      this.tracingWith = 'recorder';
      this.attachMode = recorder.info.attachMode;
      void this.context.memento.update(WAS_TRACING_KEY, true);
      log.appendLine(
        `tracing ${describeScope(this.scope)} with the recorder (pid ${recorder.info.pid}) since ${started.startedAt}`,
      );
      if (recorder.info.unseen.length > 0 && !this.recorderUnseenSaid) {
        this.recorderUnseenSaid = true;
        void vscode.window.showWarningMessage(
          notificationText(
            `Syscall Trace’s recorder does not see ${blindSpotNames(recorder.info.unseen)} (see the log).`,
          ),
        );
      }
    } catch (error) {
      this.state = 'stopped';
      this.reportStartFailure(error);
      this.update();
      return;
    }
    this.update();
    await this.recorderLink.showHistory('newer');
  }

  /** Stop, with the recorder: it unsubscribes this window and goes on recording; the view keeps what it shows. */
  private async stopWithRecorder(): Promise<void> {
    const recorder = this.recorderLink.recorder;
    this.state = 'stopping';
    void this.context.memento.update(WAS_TRACING_KEY, false);
    this.update();
    try {
      const stats = await recorder?.stop();
      if (stats !== undefined) this.context.log.appendLine(stoppedLine(stats));
    } catch (error) {
      this.context.log.appendLine(`could not stop tracing with the recorder: ${messageOf(error)}`);
    }
    this.state = 'stopped';
    this.tracingWith = undefined;
    this.update();
  }

  /**
   * The recorder's connection is gone: stopped, restarted (an update, a
   * reinstall) or removed. While it traced, a recorder that answers again
   * within a few seconds traces on, its history filling what was missed;
   * otherwise tracing ends, and the view keeps what it shows.
   */
  private async onRecorderClosed(): Promise<void> {
    if (this.tracingWith !== 'recorder' || this.state !== 'tracing') {
      this.update();
      return;
    }
    this.state = 'starting';
    this.tracingWith = undefined;
    this.update();
    this.context.log.appendLine(
      `the recorder closed the connection while tracing: connecting again for ${RECONNECT_MS / 1000} s`,
    );
    const recorder = await this.recorderLink.connectWithin(RECONNECT_MS);
    if (this.disposed) return;
    if (recorder !== undefined) {
      await this.startWithRecorder(recorder);
      return;
    }
    this.state = 'stopped';
    this.context.treeView.message =
      'Tracing stopped: the recorder closed the connection (it was stopped, restarted or removed).';
    this.update();
    void vscode.window
      .showWarningMessage('Syscall Trace: tracing stopped, the recorder closed the connection.', 'Start Again')
      .then((choice) => {
        if (choice === 'Start Again') void vscode.commands.executeCommand(Commands.start);
      });
  }

  /** A recorder was installed from this window: the view shows its history, and the recorder traces in the helper's place where the helper traced. */
  private async useInstalledRecorder(recorder: RecorderConnection): Promise<void> {
    if (this.state === 'tracing' && this.tracingWith === 'helper') {
      this.context.log.appendLine('the recorder now traces in place of the helper, which ends');
      this.state = 'starting';
      this.tracingWith = undefined;
      this.update();
      await this.endHelper();
      await this.startWithRecorder(recorder);
    } else if (this.state === 'stopped') {
      await this.recorderLink.showHistory('fresh');
    }
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
      askSudoPassword: () => askSudoPassword('Loading the BPF programs needs root.'),
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
      `helper ${helper.info.helperVersion} (pid ${helper.info.pid}) on Linux ${helper.info.kernelRelease} ${helper.info.arch}, ${helper.info.modeChoice} mode: ${describeAttachMode(helper.info.attachMode)}, ${helper.info.programSet} program set`,
    );
    // What this helper cannot see is said where the user looks, not only in the log.
    for (const blindSpot of helper.info.unseen) log.appendLine(`not seen: ${blindSpot}`);
    if (helper.info.unseen.length > 0) {
      void vscode.window.showWarningMessage(
        `Syscall Trace does not see ${blindSpotNames(helper.info.unseen)} (see the log).`,
      );
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
      for (const line of stderrTailForLog(helper.helper.lastStderrLines)) log.appendLine(line);
      return;
    }
    this.state = 'stopped';
    this.tracingWith = undefined;
    log.appendLine(`the helper ${how}; its last lines on stderr:`);
    for (const line of stderrTailForLog(helper.helper.lastStderrLines)) log.appendLine(line);
    treeView.message = `Tracing stopped: the helper ${how}. Its last lines are in the log (Syscall Trace: Show Log).`;
    this.update();
    void vscode.window
      .showErrorMessage(`Syscall Trace: the helper ${how}.`, 'Show Log', 'Start Again')
      .then((choice) => {
        if (choice === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
        if (choice === 'Start Again') void vscode.commands.executeCommand(Commands.start);
      });
  }

  private reportStartFailure(error: unknown): void {
    const { log, treeView } = this.context;
    const message = messageOf(error);
    log.appendLine(`could not start tracing: ${message}`);
    if (error instanceof HelperEndedError) for (const line of stderrTailForLog(error.stderrLines)) log.appendLine(line);
    treeView.message = `Tracing did not start: ${message}`;
    // The message may name paths (a workspace folder's, a file's), which must not become links.
    if (error instanceof LaunchError)
      void vscode.window.showWarningMessage(notificationText(`Syscall Trace: ${message}`));
    else {
      void vscode.window
        .showErrorMessage(notificationText(`Syscall Trace could not start tracing: ${message}`), 'Show Log')
        .then((choice) => {
          if (choice === 'Show Log') void vscode.commands.executeCommand(Commands.showLog);
        });
    }
  }
}

/** The totals trace/stop answered, for the log. */
function stoppedLine(stats: TraceStats): string {
  return `stopped: ${stats.events} deletions reported, ${stats.lost} lost, ${stats.filtered} outside the scope`;
}

/** What a helper or the recorder does not see, in short: each of its `unseen` sentences says what, a colon, then why. */
function blindSpotNames(unseen: readonly string[]): string {
  return unseen.map((blindSpot) => blindSpot.split(':')[0]).join(', nor ');
}

function describeAttachMode(mode: AttachMode): string {
  return mode === 'raw' ? 'raw tracepoints on every syscall' : "the deletion syscalls' own tracepoints";
}
