// The commands on a deletion in the view: its context menu, and a click that
// opens the parent directory. A rename's row also opens where the file went.
import * as fs from 'node:fs';
import * as vscode from 'vscode';

import type { DeletionEvent } from '../../common/protocol';
import { shownPath } from '../../common/shownText';
import { parentDirectory, shellCommandLine } from '../view/displayText';
import { committedFile, restoreFromHead } from './gitRestore';
import { Commands } from '../names';
import { openDirectory, revealInFileManager } from './openDirectory';
import { rowPath, rowPathBytes, rowPathComplete, type TreeRow } from '../view/renameRows';
import type { TerminalRegistry } from '../view/terminalRegistry';
import { folderOf, type TreeNode, type WorkspaceFolderInfo } from '../view/treeModel';
import { workspacePathOf } from '../workspaceFolders';
import { messageOf } from '../../common/errors';

/** The row a node stands for: a deleted entry, or a directory that was deleted itself. */
function rowOf(node: TreeNode | undefined): TreeRow | undefined {
  if (node?.kind === 'deletion') return node.deletion;
  if (node?.kind === 'directory' && node.own.length > 0) return node.own[node.own.length - 1];
  return undefined;
}

/** The path of the name a row says is gone (a replaced file's for its row), where it is known. */
function goneName(row: TreeRow): Pick<DeletionEvent, 'path' | 'pathBytes'> {
  return { path: rowPath(row), pathBytes: rowPathBytes(row) };
}

/** The directory a node's *Open Parent Directory* opens. */
function directoryOf(node: TreeNode | undefined): string | undefined {
  if (node?.kind === 'directory') return parentDirectory(node.path);
  if (node?.kind === 'workspaceFolder') return node.folder.path;
  const row = rowOf(node);
  return row !== undefined && rowPathComplete(row) ? parentDirectory(rowPath(row)) : undefined;
}

export function registerItemCommands(
  treeView: vscode.TreeView<TreeNode>,
  terminals: TerminalRegistry,
  folders: () => readonly WorkspaceFolderInfo[],
): vscode.Disposable[] {
  // From a context menu the node comes as the argument; from the palette or a key, the selection is meant.
  // Paths are the real ones the helper reports; a directory is opened by the name its workspace folder
  // was opened by, where it has one, as that is the name the Explorer can reveal.
  const target = (node: TreeNode | undefined): TreeNode | undefined => node ?? treeView.selection[0];
  const withRow = (action: (row: TreeRow) => unknown) => (node?: TreeNode) => {
    const row = rowOf(target(node));
    if (row === undefined)
      return vscode.window.showInformationMessage('Select a deletion in the Deletions view first.');
    return action(row);
  };
  const withDeletion = (action: (event: DeletionEvent) => unknown) => withRow((row) => action(row.event));
  return [
    vscode.commands.registerCommand(Commands.openParentDirectory, (node?: TreeNode) => {
      const directory = directoryOf(target(node));
      if (directory === undefined)
        return vscode.window.showInformationMessage(
          'Only the end of this path is known: its directory cannot be opened.',
        );
      return openDirectory(workspacePathOf(directory, folders()));
    }),
    vscode.commands.registerCommand(Commands.revealInFileManager, (node?: TreeNode) => {
      // A directory node is shown itself, selected in its parent; a deleted entry by its parent.
      const chosen = target(node);
      const directory = chosen?.kind === 'directory' ? chosen.path : directoryOf(chosen);
      if (directory === undefined)
        return vscode.window.showInformationMessage(
          'Only the end of this path is known: its directory cannot be shown.',
        );
      return revealInFileManager(directory);
    }),
    vscode.commands.registerCommand(Commands.openDirectory, (directory: unknown) => {
      // The target of the tooltips' links: anything but an absolute path is refused.
      if (typeof directory !== 'string' || !directory.startsWith('/')) return undefined;
      return openDirectory(workspacePathOf(directory, folders()));
    }),
    vscode.commands.registerCommand(
      Commands.copyPath,
      // A path that is not UTF-8 cannot be text as it is: its escaped form is copied.
      withRow((row) => {
        const gone = goneName(row);
        return vscode.env.clipboard.writeText(gone.pathBytes === undefined ? gone.path : shownPath(gone));
      }),
    ),
    vscode.commands.registerCommand(
      Commands.copyCommandLine,
      withDeletion((event) => vscode.env.clipboard.writeText(shellCommandLine(event.cmdline))),
    ),
    // A replaced file is restored at its own path, the rename's destination.
    vscode.commands.registerCommand(
      Commands.restoreFromGit,
      withRow((row) => restoreFromGit(goneName(row), folders())),
    ),
    vscode.commands.registerCommand(
      Commands.openNewLocation,
      withDeletion((event) => {
        if (event.movedTo === undefined || event.movedToComplete !== true) {
          return vscode.window.showInformationMessage(
            'This is no rename whose destination is known in full: there is no new location to open.',
          );
        }
        return openDirectory(workspacePathOf(parentDirectory(event.movedTo), folders()));
      }),
    ),
    vscode.commands.registerCommand(
      Commands.focusTerminal,
      withDeletion((event) => {
        const terminal = terminals.terminalOf(event);
        if (terminal === undefined)
          return vscode.window.showInformationMessage('This deletion did not come from a terminal that is still open.');
        terminal.show();
        return undefined;
      }),
    ),
  ];
}

async function restoreFromGit(
  event: Pick<DeletionEvent, 'path' | 'pathBytes'>,
  folders: readonly WorkspaceFolderInfo[],
): Promise<void> {
  // By the view's rule, not VS Code's: the path is the real one, and the folder may be opened through a symlink.
  const folder = folderOf(event.path, folders);
  const file = folder === undefined ? undefined : await committedFile(folder.path, event.path);
  if (file === undefined) {
    void vscode.window.showInformationMessage(
      `${shownPath(event)} is not in the last commit of its workspace folder's repository: git cannot restore it.`,
    );
    return;
  }
  if (fs.existsSync(event.path)) {
    const overwrite = await vscode.window.showWarningMessage(
      `${shownPath(event)} exists again. Replace it with the version in the last commit?`,
      { modal: true },
      'Replace',
    );
    if (overwrite !== 'Replace') return;
  }
  try {
    await restoreFromHead(file);
    void vscode.window.showInformationMessage(`Restored ${file.relativePath} from the last commit.`);
  } catch (error) {
    void vscode.window.showErrorMessage(`git could not restore ${file.relativePath}: ${messageOf(error)}`);
  }
}
