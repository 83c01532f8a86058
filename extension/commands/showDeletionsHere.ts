// *Show Deletions Here* on a folder in the Explorer: the Deletions view
// narrowed to that folder, as *Filter by Workspace Folder…* narrows it, and
// brought into sight. With the recorder, the folder's history fills it (the
// session loads the history of the new filter); without one, tracing starts
// there, which is all there is to show.
import * as vscode from 'vscode';

import { VIEW_ID } from '../names';
import type { RecorderConnection } from '../recorder/recorderClient';
import { choiceForDirectory, type ScopeChoice } from '../scope';
import type { WorkspaceFolderInfo } from '../view/treeModel';

export interface ShowDeletionsHereContext {
  folders: () => WorkspaceFolderInfo[];
  /** Keeps the choice for the workspace and has the view, the trace and the history follow it. */
  chooseScope: (choice: ScopeChoice) => Promise<void>;
  connectRecorder: () => Promise<RecorderConnection | undefined>;
  isTracing: () => boolean;
  start: () => Promise<void>;
}

export async function showDeletionsHere(
  context: ShowDeletionsHereContext,
  folder: vscode.Uri | undefined,
): Promise<void> {
  if (folder === undefined || folder.scheme !== 'file') {
    void vscode.window.showInformationMessage('Show Deletions Here works on a folder in the Explorer.');
    return;
  }
  // Before the choice is kept: with a recorder connected, following the new choice loads its history.
  const recorder = await context.connectRecorder();
  await context.chooseScope(choiceForDirectory(folder.fsPath, context.folders()));
  void vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  if (recorder === undefined && !context.isTracing()) await context.start();
}
