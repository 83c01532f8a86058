// This window's connection to the recorder, and the history it puts into the
// Deletions view. The connection is made when the extension starts, when the
// recorder has just been installed from this window, and at each Start while
// there is none; it stays open while the window does, so that the recorder's
// status reaches the view and Start traces at once. Where no recorder answers,
// a line in the log says why and the extension works as it does without one;
// where one refuses this person, its words are shown once, at Start.
import * as vscode from 'vscode';

import type { RecorderStatus, Scope } from '../../common/protocol';
import type { DeletionsView } from '../view/deletionsView';
import type { DeletionStore } from '../view/deletionStore';
import { countText, notificationText } from '../view/displayText';
import { HistoryFeed, type HistoryLoad, type LoadKind } from './historyFeed';
import { fetchHistory } from './historyPaging';
import { RECORDER_CONTEXT_KEY } from '../names';
import { RecorderConnection, type RecorderOutcome } from './recorderClient';
import { onDidChangeRecorder } from './recentInstall';
import { describeScope } from '../scope';
import { endSentence } from '../sentences';
import { readSettings } from '../settings';
import { rangeStart, type TimeRange } from './timeRange';
import type { RecorderNotices } from '../view/treeModel';
import { messageOf } from '../../common/errors';

export interface HistoryShown {
  scope: Scope;
  range: TimeRange;
}

export interface RecorderLinkContext {
  store: DeletionStore;
  view: DeletionsView;
  treeView: vscode.TreeView<unknown>;
  log: vscode.OutputChannel;
  /** The history the view is to show now: its folder filter and time range. */
  historyWanted(): HistoryShown;
  /** Deletions or counts changed: the session redraws the status bar. */
  changed(): void;
  /** The connection to `recorder` is gone, whoever closed it. */
  closed(recorder: RecorderConnection): void;
  /** A recorder was installed from this window and answers now. */
  installed(recorder: RecorderConnection): void;
}

const LOADING_MESSAGE = 'Loading the recorder’s history…';
/** How long a recorder just installed may take before it serves: it loads its programs first. */
const INSTALLED_PATIENCE_MS = 30_000;
/** Between tries to connect to a recorder that is starting. */
const RETRY_MS = 500;

export class RecorderLink implements vscode.Disposable {
  private connection: RecorderConnection | undefined;
  private connecting: Promise<RecorderConnection | undefined> | undefined;
  /** Why the recorder that is there cannot be used (it refused this person, or speaks another protocol), until said once. */
  private refusal: string | undefined;
  private readonly feed: HistoryFeed;
  /** The history the store was last filled with; undefined before the first load, and once the store holds the helper's deletions. */
  private shown: string | undefined;
  private historyCut = false;
  private loadsUnderWay = 0;
  /** The view's message after the latest load that failed: the next that succeeds takes it away. */
  private failure: string | undefined;
  /** What the latest try to connect found, and why there was no recorder, said once in the log while it stays the same. */
  private latestOutcome: RecorderOutcome['kind'] | undefined;
  private latestAbsence: string | undefined;
  private disposed = false;
  private readonly presence: vscode.Disposable;

  constructor(private readonly context: RecorderLinkContext) {
    this.feed = new HistoryFeed(context.store);
    void vscode.commands.executeCommand('setContext', RECORDER_CONTEXT_KEY, false);
    this.presence = onDidChangeRecorder((change) => {
      if (change !== 'installed') return; // the recorder's going closes the connection, and closed() follows
      // systemd says a service started before it has loaded its programs and serves.
      void this.connectWithin(INSTALLED_PATIENCE_MS).then((recorder) => {
        if (recorder !== undefined) context.installed(recorder);
      });
    });
  }

  /** The recorder this window is connected to, if any. */
  get recorder(): RecorderConnection | undefined {
    return this.connection;
  }

  /** Connects to the recorder unless connected; undefined where none can be used (the log says why). */
  connect(): Promise<RecorderConnection | undefined> {
    if (this.connection !== undefined) return Promise.resolve(this.connection);
    this.connecting ??= this.connectNow().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Connects, trying again for up to `ms` while no recorder answers (one that is starting has no socket yet). */
  async connectWithin(ms: number): Promise<RecorderConnection | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const recorder = await this.connect();
      // A recorder that refused is there, and would refuse again.
      if (recorder !== undefined || this.disposed || this.latestOutcome !== 'absent' || Date.now() >= deadline)
        return recorder;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  /** Says, once per window, why the recorder that is there was not used: at Start, before tracing without it. */
  tellRefusal(): void {
    if (this.refusal === undefined) return;
    // Paths and the recorder's words: never a link.
    void vscode.window.showWarningMessage(
      notificationText(`Syscall Trace: ${this.refusal} Tracing without the recorder.`),
    );
    this.refusal = undefined;
  }

  /** Whether the view shows another history than the one wanted now (another folder filter or time range). */
  historyOutOfDate(): boolean {
    return this.shown !== undefined && this.shown !== keyOf(this.context.historyWanted());
  }

  /**
   * Fills the view with the recorder's history: "fresh" replaces what it
   * shows, "newer" adds what came since. Live deletions keep arriving
   * meanwhile; each seq is shown once (historyFeed.ts).
   */
  async showHistory(kind: LoadKind): Promise<void> {
    const recorder = this.connection;
    if (recorder === undefined) return;
    const { view, treeView, log } = this.context;
    const wanted = this.context.historyWanted();
    const load = this.feed.beginLoad(kind);
    this.shown = keyOf(wanted);
    if (treeView.message === undefined) treeView.message = LOADING_MESSAGE;
    this.loadsUnderWay++;
    try {
      log.appendLine(await this.load(recorder, wanted, load));
    } finally {
      // The last load to end takes the message away, whichever it was: an earlier one superseded says nothing.
      if (--this.loadsUnderWay === 0 && treeView.message === LOADING_MESSAGE) treeView.message = undefined;
    }
    view.refreshNow();
    this.context.changed();
  }

  /** One load of history into the store; answers what happened, for the log. */
  private async load(recorder: RecorderConnection, wanted: HistoryShown, load: HistoryLoad): Promise<string> {
    const { store, treeView } = this.context;
    try {
      const fetched = await fetchHistory((params) => recorder.history(params), {
        scope: wanted.scope,
        since: rangeStart(wanted.range, Date.now()),
        // As live: failed attempts are always asked for, and shown where syscallTrace.showFailed says.
        includeFailed: true,
        newerThan: load.newerThan,
        maxEvents: store.limit,
        maxBytes: store.byteLimit,
      });
      const what = `history (${wanted.range}, ${describeScope(wanted.scope)})`;
      if (!this.feed.endLoad(load, fetched.events)) return `${what}: superseded by a later load`;
      this.historyCut = load.kind === 'fresh' ? fetched.cut : this.historyCut || fetched.cut;
      if (treeView.message === this.failure) treeView.message = undefined;
      const newer = load.kind === 'newer' ? ' newer than those shown' : '';
      return `${what}: ${countText(fetched.events.length)} deletions${newer}${fetched.cut ? ', older ones left out for the view’s limits' : ''}`;
    } catch (error) {
      const message = messageOf(error);
      if (!this.feed.endLoad(load, undefined)) return `a superseded load of history failed: ${message}`;
      // The recorder's words: plain text in the view's message (TreeView.message is no Markdown).
      this.failure = `The recorder’s history could not be read: ${message}`;
      treeView.message = this.failure;
      return `could not read the history: ${message}`;
    }
  }

  /** The store now holds deletions of the window's helper: the next history replaces them. */
  forgetHistory(): void {
    this.feed.forget();
    this.shown = undefined;
    this.historyCut = false;
  }

  /** *Clear* emptied the store: what history was left out is out of sight too. */
  cleared(): void {
    this.historyCut = false;
  }

  /** Live deletions from the recorder, into the store, each seq once. */
  addLive(events: Parameters<HistoryFeed['addLive']>[0]): number {
    return this.feed.addLive(events);
  }

  /** What the view says of the recorder, where one is connected. */
  notices(): RecorderNotices | undefined {
    const recorder = this.connection;
    if (recorder === undefined) return this.historyCut ? { unrecorded: 0, historyCut: true } : undefined;
    const { unrecorded, problem } = recorder.status;
    return problem === undefined
      ? { unrecorded, historyCut: this.historyCut }
      : { unrecorded, problem, historyCut: this.historyCut };
  }

  /** For the status bar's tooltip: what the recorder keeps, and what it could not. */
  describe(): string | undefined {
    const recorder = this.connection;
    if (recorder === undefined) return undefined;
    return describeStatus(recorder.status);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.presence.dispose();
    const recorder = this.connection;
    this.connection = undefined;
    await recorder?.close();
  }

  private async connectNow(): Promise<RecorderConnection | undefined> {
    const { log } = this.context;
    const socketPath = readSettings().recorderSocket;
    let lostSoFar = 0;
    const outcome = await RecorderConnection.connect(
      socketPath,
      {
        onDeletions: (events) => {
          if (this.addLive(events) === 0) return;
          this.context.view.refresh();
          this.context.changed();
        },
        onLost: (lost) => {
          this.context.store.addLost(lost - lostSoFar);
          lostSoFar = Math.max(lostSoFar, lost);
          this.context.view.refresh();
        },
        onStatus: (status) => {
          log.appendLine(`recorder: ${describeStatus(status)}`);
          this.context.view.refresh();
          this.context.changed();
        },
      },
      { personUid: process.getuid?.() ?? -1 },
    );
    this.latestOutcome = outcome.kind;
    switch (outcome.kind) {
      case 'absent':
        if (outcome.reason !== this.latestAbsence) log.appendLine(`no recorder: ${outcome.reason}`);
        this.latestAbsence = outcome.reason;
        // A refusal was that of a recorder no longer there; a socket that is not root's is worth a word at Start.
        this.refusal = outcome.worthSaying
          ? `${socketPath} was not taken for the recorder’s socket: ${endSentence(outcome.reason)}`
          : undefined;
        return undefined;
      case 'notAdmitted':
        log.appendLine(`the recorder at ${socketPath} does not admit this user: ${outcome.message}`);
        this.refusal = endSentence(outcome.message);
        return undefined;
      case 'unusable':
        log.appendLine(`the recorder at ${socketPath} cannot be used: ${outcome.reason}`);
        this.refusal = `The recorder cannot be used: ${endSentence(outcome.reason)}`;
        return undefined;
      case 'admitted':
        break;
    }
    const { recorder } = outcome;
    if (this.disposed) {
      await recorder.close();
      return undefined;
    }
    this.connection = recorder;
    this.refusal = undefined;
    this.latestAbsence = undefined;
    // Its seq numbers are not those of what the store holds now: the first history replaces it.
    this.forgetHistory();
    const { info } = recorder;
    log.appendLine(
      `recorder ${info.helperVersion} (pid ${info.pid}) on Linux ${info.kernelRelease} ${info.arch}, ${info.modeChoice} mode, at ${socketPath}: ${describeStatus(recorder.status)}`,
    );
    for (const blindSpot of info.unseen) log.appendLine(`not seen by the recorder: ${blindSpot}`);
    void vscode.commands.executeCommand('setContext', RECORDER_CONTEXT_KEY, true);
    this.context.changed();
    void recorder.closed.then(() => {
      if (this.connection !== recorder) return;
      this.connection = undefined;
      log.appendLine('the recorder closed the connection');
      void vscode.commands.executeCommand('setContext', RECORDER_CONTEXT_KEY, false);
      this.context.view.refresh();
      this.context.closed(recorder);
    });
    return recorder;
  }
}

function keyOf(history: HistoryShown): string {
  return JSON.stringify([history.scope, history.range]);
}

function describeStatus(status: RecorderStatus): string {
  const parts = [`recording into ${status.database}`];
  if (status.sees !== undefined)
    parts.push(status.sees === 'own' ? 'showing your own processes’ deletions only' : 'showing every user’s deletions');
  parts.push(`keeping ${status.retainDays} days, at most ${countText(status.retainMib)} MiB`);
  if (status.oldest !== undefined) parts.push(`the oldest from ${status.oldest}`);
  if (status.unrecorded > 0) parts.push(`${countText(status.unrecorded)} deletions not recorded`);
  if (status.problem !== undefined) parts.push(`cannot record now: ${status.problem}`);
  return parts.join('; ');
}
