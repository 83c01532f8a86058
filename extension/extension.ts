// Syscall Trace in VS Code: creates the store, the Deletions view and the
// tracing session, and registers the commands. Everything else lives in the
// modules named here.
import * as vscode from 'vscode';

import { DeletionsView } from './view/deletionsView';
import { DeletionStore } from './view/deletionStore';
import { registerItemCommands } from './commands/itemCommands';
import { Commands, VIEW_ID } from './names';
import { registerRecorderCommands } from './recorder/recordingCommands';
import { viewFilter, type ScopeChoice } from './scope';
import { affectsSettings, readSettings } from './settings';
import { showDeletionsHere } from './commands/showDeletionsHere';
import { TerminalRegistry } from './view/terminalRegistry';
import { asTimeRange, DEFAULT_TIME_RANGE, type TimeRange } from './recorder/timeRange';
import { TracingSession } from './tracingSession';
import { TreeItems } from './view/treeItems';
import type { TreeNode, WorkspaceFolderInfo } from './view/treeModel';
import { registerViewCommands } from './commands/viewCommands';
import { workspaceFolderInfos } from './workspaceFolders';

const SCOPE_CHOICE_KEY = 'syscallTrace.scopeChoice';
const TIME_RANGE_KEY = 'syscallTrace.timeRange';

let session: TracingSession | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Syscall Trace');
  const { maxEvents, maxEventBytes } = readSettings();
  const store = new DeletionStore({ maxEvents, maxBytes: maxEventBytes });
  const terminals = new TerminalRegistry();

  // With their aliases, taken anew when the folders change (below), before the view and the scope follow them.
  let currentFolders = workspaceFolderInfos(vscode.workspace.workspaceFolders ?? []);
  const folders = (): WorkspaceFolderInfo[] => currentFolders;
  // The choice made with *Filter by Workspace Folder…* holds for this workspace; until then, the setting.
  const scopeChoice = (): ScopeChoice =>
    context.workspaceState.get<ScopeChoice>(SCOPE_CHOICE_KEY) ?? readSettings().scope;
  // How far back the recorder's history goes, chosen with *Time Range…*, holds for this workspace too.
  const timeRange = (): TimeRange => asTimeRange(context.workspaceState.get(TIME_RANGE_KEY)) ?? DEFAULT_TIME_RANGE;

  // The session that knows the host's mount namespace is made below, once the view exists.
  const items = new TreeItems(terminals, folders, () => session?.hostMountNamespace);
  const view = new DeletionsView(
    store,
    () => {
      const settings = readSettings();
      return {
        grouping: settings.groupBy,
        folders: folders(),
        filter: viewFilter(scopeChoice(), folders()),
        showFailed: settings.showFailed,
        hideSameFolderReplaces: settings.hideSameFolderReplaces,
        recorder: session?.recorderNotices,
      };
    },
    items,
  );
  const treeView = vscode.window.createTreeView<TreeNode>(VIEW_ID, { treeDataProvider: view, showCollapseAll: true });
  session = new TracingSession({
    extensionPath: context.extensionPath,
    store,
    view,
    treeView,
    log,
    scopeChoice,
    folders,
    timeRange,
    memento: context.workspaceState,
  });
  const tracing = session;
  // *Filter by Workspace Folder…* and *Show Deletions Here*: the view, the trace and the recorder's history follow.
  const chooseScope = async (choice: ScopeChoice): Promise<void> => {
    await context.workspaceState.update(SCOPE_CHOICE_KEY, choice);
    view.refreshNow();
    await tracing.followScope();
  };

  context.subscriptions.push(
    log,
    terminals,
    view,
    treeView,
    { dispose: () => void tracing.dispose() },
    vscode.commands.registerCommand(Commands.start, () => tracing.start()),
    vscode.commands.registerCommand(Commands.stop, () => tracing.stop()),
    ...registerItemCommands(treeView, terminals, folders),
    ...registerRecorderCommands({ extensionPath: context.extensionPath, log }),
    ...registerViewCommands({
      store,
      view,
      log,
      folders,
      scopeChoice,
      chooseScope,
      timeRange,
      chooseTimeRange: async (range) => {
        await context.workspaceState.update(TIME_RANGE_KEY, range);
        await tracing.followScope();
      },
      afterClear: () => tracing.cleared(),
    }),
    vscode.commands.registerCommand(Commands.showDeletionsHere, (folder?: vscode.Uri) =>
      showDeletionsHere(
        {
          folders,
          chooseScope,
          connectRecorder: () => tracing.connectRecorder(),
          isTracing: () => tracing.isTracing,
          start: () => tracing.start(),
        },
        folder,
      ),
    ),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      currentFolders = workspaceFolderInfos(vscode.workspace.workspaceFolders ?? []);
      view.refreshNow();
      void tracing.followScope();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affectsSettings(event)) return;
      const settings = readSettings();
      store.setLimit(settings.maxEvents);
      store.setByteLimit(settings.maxEventBytes);
      view.refreshNow();
      void tracing.followScope();
    }),
    terminals.onDidChange(() => view.refresh()),
  );
  tracing.update();
  // With a recorder, the view shows what it showed before the window (re)loaded.
  void tracing.restore();
}

/** Closing the window ends the helper: VS Code waits for this promise a little while. */
export async function deactivate(): Promise<void> {
  await session?.dispose();
  session = undefined;
}
