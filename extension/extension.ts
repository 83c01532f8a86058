// Syscall Trace in VS Code: creates the store, the Deletions view and the
// tracing session, and registers the commands. Everything else lives in the
// modules named here.
import * as vscode from 'vscode';

import { DeletionsView } from './deletionsView';
import { DeletionStore } from './deletionStore';
import { registerItemCommands } from './itemCommands';
import { Commands, VIEW_ID } from './names';
import { viewFilter, type ScopeChoice } from './scope';
import { affectsSettings, readSettings } from './settings';
import { TerminalRegistry } from './terminalRegistry';
import { TracingSession } from './tracingSession';
import { TreeItems } from './treeItems';
import type { TreeNode, WorkspaceFolderInfo } from './treeModel';
import { registerViewCommands } from './viewCommands';
import { workspaceFolderInfos } from './workspaceFolders';

const SCOPE_CHOICE_KEY = 'syscallTrace.scopeChoice';

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
  const scopeChoice = (): ScopeChoice => context.workspaceState.get<ScopeChoice>(SCOPE_CHOICE_KEY) ?? readSettings().scope;

  // The session that knows the host's mount namespace is made below, once the view exists.
  const items = new TreeItems(terminals, folders, () => session?.hostMountNamespace);
  const view = new DeletionsView(
    store,
    () => {
      const settings = readSettings();
      return { grouping: settings.groupBy, folders: folders(), filter: viewFilter(scopeChoice(), folders()), showFailed: settings.showFailed };
    },
    items,
  );
  const treeView = vscode.window.createTreeView<TreeNode>(VIEW_ID, { treeDataProvider: view, showCollapseAll: true });
  session = new TracingSession({ extensionPath: context.extensionPath, store, view, treeView, log, scopeChoice, folders });
  const tracing = session;

  context.subscriptions.push(
    log,
    terminals,
    view,
    treeView,
    { dispose: () => void tracing.dispose() },
    vscode.commands.registerCommand(Commands.start, () => tracing.start()),
    vscode.commands.registerCommand(Commands.stop, () => tracing.stop()),
    ...registerItemCommands(treeView, terminals, folders),
    ...registerViewCommands({
      store,
      view,
      log,
      folders,
      scopeChoice,
      chooseScope: async (choice) => {
        await context.workspaceState.update(SCOPE_CHOICE_KEY, choice);
        view.refreshNow();
        await tracing.followScope();
      },
      afterClear: () => tracing.update(),
    }),
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
}

/** Closing the window ends the helper: VS Code waits for this promise a little while. */
export async function deactivate(): Promise<void> {
  await session?.dispose();
  session = undefined;
}
