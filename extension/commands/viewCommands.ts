// The commands on the view as a whole: Clear, Group By…, Filter by Workspace
// Folder…, Time Range…, Export… and Show Log.
import * as vscode from 'vscode';

import type { DeletionsView } from '../view/deletionsView';
import type { DeletionStore } from '../view/deletionStore';
import { countText } from '../view/displayText';
import { exportText, type ExportFormat } from './exportFormats';
import { Commands } from '../names';
import { scopeLabel, type ScopeChoice } from '../scope';
import { readSettings, updateGrouping } from '../settings';
import { TIME_RANGES, type TimeRange } from '../recorder/timeRange';
import type { Grouping, WorkspaceFolderInfo } from '../view/treeModel';

export interface ViewCommandContext {
  store: DeletionStore;
  view: DeletionsView;
  log: vscode.OutputChannel;
  folders: () => WorkspaceFolderInfo[];
  scopeChoice: () => ScopeChoice;
  chooseScope: (choice: ScopeChoice) => Promise<void>;
  /** How far back the recorder's history goes in the view. */
  timeRange: () => TimeRange;
  chooseTimeRange: (range: TimeRange) => Promise<void>;
  afterClear: () => void;
}

export function registerViewCommands(context: ViewCommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.clear, () => {
      context.store.clear();
      context.view.refreshNow();
      context.afterClear();
    }),
    vscode.commands.registerCommand(Commands.groupBy, () => chooseGrouping()),
    vscode.commands.registerCommand(Commands.filterByWorkspaceFolder, () => chooseFolder(context)),
    vscode.commands.registerCommand(Commands.timeRange, () => chooseTimeRange(context)),
    vscode.commands.registerCommand(Commands.export, () => exportShown(context)),
    vscode.commands.registerCommand(Commands.showLog, () => context.log.show(true)),
  ];
}

async function chooseGrouping(): Promise<void> {
  const current = readSettings().groupBy;
  const choices: (vscode.QuickPickItem & { grouping: Grouping })[] = [
    { grouping: 'folder', label: 'Folder', detail: 'Workspace folder → directory → file' },
    { grouping: 'process', label: 'Process', detail: 'Command and pid → files' },
    { grouping: 'time', label: 'Time', detail: 'One list, newest first' },
  ];
  for (const choice of choices) if (choice.grouping === current) choice.description = '(current)';
  const picked = await vscode.window.showQuickPick(choices, { title: 'Syscall Trace: Group Deletions By' });
  if (picked !== undefined) await updateGrouping(picked.grouping);
}

async function chooseFolder(context: ViewCommandContext): Promise<void> {
  const current = context.scopeChoice();
  const choices: (vscode.QuickPickItem & { choice: ScopeChoice })[] = [
    {
      choice: { kind: 'workspaceFolders' },
      label: 'All Workspace Folders',
      detail: 'Deletions in any folder of this workspace',
    },
    ...context.folders().map((folder) => ({
      choice: { kind: 'folder', path: folder.path } as ScopeChoice,
      label: folder.name,
      detail: folder.path,
    })),
    { choice: { kind: 'system' }, label: 'Whole System', detail: 'Every deletion on this machine' },
  ];
  // A directory chosen with *Show Deletions Here* is listed while it is the choice.
  if (current.kind === 'directory')
    choices.unshift({
      choice: current,
      label: scopeLabel(current, context.folders()),
      detail: 'Chosen with Show Deletions Here',
    });
  for (const item of choices)
    if (JSON.stringify(item.choice) === JSON.stringify(current)) item.description = '(current)';
  const picked = await vscode.window.showQuickPick(choices, { title: 'Syscall Trace: Show Deletions In' });
  if (picked !== undefined) await context.chooseScope(picked.choice);
}

async function chooseTimeRange(context: ViewCommandContext): Promise<void> {
  const current = context.timeRange();
  const choices: (vscode.QuickPickItem & { range: TimeRange })[] = TIME_RANGES.map(({ range, label }) => ({
    range,
    label,
  }));
  for (const choice of choices) if (choice.range === current) choice.description = '(current)';
  const picked = await vscode.window.showQuickPick(choices, { title: 'Syscall Trace: Show Recorded Deletions From' });
  if (picked !== undefined) await context.chooseTimeRange(picked.range);
}

async function exportShown(context: ViewCommandContext): Promise<void> {
  const events = context.view.shownDeletions().map((deletion) => deletion.event);
  if (events.length === 0) {
    void vscode.window.showInformationMessage('The Deletions view is empty: there is nothing to export.');
    return;
  }
  const formats: (vscode.QuickPickItem & { format: ExportFormat })[] = [
    { format: 'json', label: 'JSON', detail: 'Every field of every deletion, as the helper reported it' },
    { format: 'csv', label: 'CSV', detail: 'One row per deletion, for a spreadsheet' },
  ];
  const picked = await vscode.window.showQuickPick(formats, {
    title: `Syscall Trace: Export ${countText(events.length)} Deletions As`,
  });
  if (picked === undefined) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'Export Deletions',
    defaultUri: folder === undefined ? undefined : vscode.Uri.joinPath(folder, `deletions.${picked.format}`),
    filters: picked.format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
  });
  if (target === undefined) return;
  await vscode.workspace.fs.writeFile(target, Buffer.from(exportText(picked.format, events), 'utf8'));
  void vscode.window.showInformationMessage(`Exported ${countText(events.length)} deletions to ${target.fsPath}.`);
}
