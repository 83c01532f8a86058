// Opening a directory where the user can see it: selected in the Explorer
// when it is inside a workspace folder, else in the operating system's file
// manager, or, where there is none (a remote or web window), offered as a
// folder to open. A deleted file's directory may be gone too (rm -r): the
// nearest directory that still exists is opened instead.
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';

import { parentDirectory } from '../view/displayText';

/** Whether the OS file manager is on this side: not in a remote window nor in a browser. */
function hasLocalFileManager(): boolean {
  return vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
}

/** `directory`, or its nearest ancestor that exists. */
export async function nearestExistingDirectory(directory: string): Promise<string> {
  for (let current = directory; ; current = parentDirectory(current)) {
    try {
      if ((await fs.stat(current)).isDirectory()) return current;
    } catch {
      // gone: try its parent
    }
    if (current === '/') return '/';
  }
}

/** A URI for `path` on the machine that holds the workspace (a remote one too). */
function uriOnWorkspaceMachine(path: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder === undefined ? vscode.Uri.file(path) : folder.uri.with({ path });
}

export async function openDirectory(directory: string): Promise<void> {
  const existing = await nearestExistingDirectory(directory);
  const uri = uriOnWorkspaceMachine(existing);
  if (vscode.workspace.getWorkspaceFolder(uri) !== undefined) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  await revealInFileManager(existing);
}

export async function revealInFileManager(directory: string): Promise<void> {
  const existing = await nearestExistingDirectory(directory);
  const uri = uriOnWorkspaceMachine(existing);
  if (hasLocalFileManager()) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
    return;
  }
  const choice = await vscode.window.showInformationMessage(
    `${existing} is outside the workspace, and this window has no file manager to show it in.`,
    'Open Folder',
    'Open in New Window',
  );
  if (choice !== undefined)
    await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: choice === 'Open in New Window' });
}
