// How each node of the tree model looks in the Deletions view.
import * as os from 'node:os';
import * as vscode from 'vscode';

import { escapeText } from '../../common/shownText';
import type { DeletionEvent } from '../../common/protocol';
import {
  countText,
  localTime,
  parentDirectory,
  processGroupLabel,
  processLabel,
  relativeTime,
  shownName,
} from './displayText';
import { Commands, TOOLTIP_COMMANDS } from '../names';
import { rowPath, rowPathBytes, rowPathComplete, type TreeRow } from './renameRows';
import { renameDescription } from './renameText';
import type { TerminalRegistry } from './terminalRegistry';
import { deletionTooltip } from './tooltip';
import { folderOf, type TreeNode, type WorkspaceFolderInfo } from './treeModel';

/** The context values menus key on (package.json, `viewItem`). */
export const ItemContext = {
  deletion: 'deletion',
  /** Appended to a deletion's context value when the terminal it ran in is known. */
  inTerminal: 'inTerminal',
  /** Appended when the file might be restored from git: a file, deleted or replaced, inside a workspace folder. */
  restorable: 'restorable',
  /** Appended to a rename's row, whose destination can be opened. */
  moved: 'moved',
  directory: 'directory',
  group: 'group',
  notice: 'notice',
} as const;

export class TreeItems {
  constructor(
    private readonly terminals: TerminalRegistry,
    private readonly folders: () => readonly WorkspaceFolderInfo[],
    /** The host's mount namespace, once a helper has named it. */
    private readonly hostMountNamespace: () => number | undefined,
    /** Where the user's home is: paths below it read "~/…". */
    private readonly home: string = os.homedir(),
  ) {}

  treeItem(node: TreeNode, now = Date.now()): vscode.TreeItem {
    switch (node.kind) {
      case 'deletion':
        return this.deletionItem(node, node.deletion, node.context === 'inList', now);
      case 'workspaceFolder':
        return groupItem(
          node.id,
          node.folder.name,
          node.count,
          new vscode.ThemeIcon('root-folder'),
          vscode.TreeItemCollapsibleState.Expanded,
        );
      case 'elsewhere':
        return groupItem(
          node.id,
          'Outside the workspace',
          node.count,
          new vscode.ThemeIcon('globe'),
          vscode.TreeItemCollapsibleState.Expanded,
        );
      case 'directory': {
        const item = new vscode.TreeItem(escapeText(node.label), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = node.id;
        item.resourceUri = vscode.Uri.file(node.path);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.description = deletionsCount(node.count) + ownNote(node.own);
        item.contextValue = ItemContext.directory;
        return item;
      }
      case 'process':
        return groupItem(
          node.id,
          processGroupLabel(node),
          node.count,
          new vscode.ThemeIcon('server-process'),
          vscode.TreeItemCollapsibleState.Collapsed,
        );
      case 'older':
        return groupItem(
          node.id,
          `${countText(node.count)} older deletions`,
          undefined,
          new vscode.ThemeIcon('history'),
          vscode.TreeItemCollapsibleState.Collapsed,
        );
      case 'dropped': {
        const item = noticeItem(
          node.id,
          `${countText(node.count)} older deletions dropped`,
          new vscode.ThemeIcon('info'),
        );
        // "At most": where long paths fill syscallTrace.maxEventMemoryMiB first, fewer are kept.
        item.description = `only the newest are kept, at most ${countText(node.limit)}`;
        item.tooltip =
          'The view keeps at most syscallTrace.maxEvents deletions, in at most syscallTrace.maxEventMemoryMiB of memory (by an estimate); older ones are dropped first.';
        return item;
      }
      case 'lost': {
        const item = noticeItem(
          node.id,
          `${countText(node.count)} deletions lost by the kernel`,
          new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
        );
        item.tooltip =
          'Deletions came faster than they could be read, and the kernel’s buffer was full: these are missing from the view.';
        return item;
      }
      case 'unrecorded': {
        const label =
          node.count > 0 ? `${countText(node.count)} deletions not recorded` : 'The recorder cannot record now';
        const item = noticeItem(
          node.id,
          label,
          new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
        );
        // The recorder's own words: data like any other text it sends, shown as it is.
        if (node.problem !== undefined) item.description = escapeText(node.problem);
        item.tooltip =
          'The recorder saw these deletions but could not write them to its database: they are missing from its history.' +
          (node.problem === undefined ? '' : ` Now: ${escapeText(node.problem)}`);
        return item;
      }
      case 'historyCut': {
        const item = noticeItem(
          node.id,
          'Older deletions of this time range are not shown',
          new vscode.ThemeIcon('info'),
        );
        item.description = `the view keeps at most ${countText(node.limit)}`;
        item.tooltip =
          'The recorder holds more deletions in this time range and folder than the view keeps (syscallTrace.maxEvents, syscallTrace.maxEventMemoryMiB): the newest are shown. ' +
          'Choose a shorter time range or a narrower folder to see older ones.';
        return item;
      }
    }
  }

  /** The Markdown tooltip, made only when the user hovers (resolveTreeItem). */
  tooltip(node: TreeNode): vscode.MarkdownString | undefined {
    let event: DeletionEvent | undefined;
    if (node.kind === 'deletion') event = node.deletion.event;
    if (node.kind === 'directory' && node.own.length > 0) event = node.own[node.own.length - 1].event;
    if (event === undefined) return undefined;
    const markdown = new vscode.MarkdownString(
      deletionTooltip(event, {
        openDirectoryCommand: Commands.openDirectory,
        terminalName: this.terminals.terminalOf(event)?.name,
        hostMountNamespace: this.hostMountNamespace(),
      }),
    );
    markdown.isTrusted = { enabledCommands: [...TOOLTIP_COMMANDS] };
    markdown.supportHtml = false;
    markdown.supportThemeIcons = false;
    return markdown;
  }

  private deletionItem(node: TreeNode, row: TreeRow, inList: boolean, now: number): vscode.TreeItem {
    const { event, role } = row;
    const path = rowPath(row);
    const pathBytes = rowPathBytes(row);
    const complete = rowPathComplete(row);
    const item = new vscode.TreeItem(shownName({ path, pathBytes }), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    const terminal = this.terminals.terminalOf(event);
    const parts: string[] = [];
    if (event.result < 0) parts.push(`failed: ${event.error ?? event.result}`);
    if (event.resultUnknown) parts.push('result unknown');
    if (role !== undefined) parts.push(renameDescription(event, role, this.home));
    if (inList) parts.push(escapeText(parentDirectory(path)));
    parts.push(processLabel(event));
    if (terminal !== undefined) parts.push(`terminal “${escapeText(terminal.name)}”`);
    parts.push(`${localTime(event.time, now)} (${relativeTime(event.time, now)})`);
    item.description = parts.join(' · ');
    if (complete && pathBytes === undefined) item.resourceUri = vscode.Uri.file(path);
    if (event.result < 0) item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    else if (!complete) item.iconPath = new vscode.ThemeIcon('question');
    else if (role !== undefined) item.iconPath = new vscode.ThemeIcon(RENAME_ICONS[role]);
    else item.iconPath = event.directory ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
    const context: string[] = [ItemContext.deletion];
    if (terminal !== undefined) context.push(ItemContext.inTerminal);
    // A moved file is not lost; a replaced one is, and git may hold it.
    const contentGone = role === undefined || (role === 'replaced' && event.replaced === true);
    if (event.result === 0 && contentGone && !event.directory && folderOf(path, this.folders()) !== undefined)
      context.push(ItemContext.restorable);
    if (role !== undefined && event.movedToComplete === true) context.push(ItemContext.moved);
    item.contextValue = context.join(' ');
    item.command = { command: Commands.openParentDirectory, title: 'Open Parent Directory', arguments: [node] };
    return item;
  }
}

/** A rename's row is told apart from a deletion's at a glance. */
const RENAME_ICONS = { movedAway: 'arrow-right', replaced: 'replace', swapped: 'arrow-swap' } as const;

/** What became of a directory that holds deletions and was itself deleted, moved away or replaced (the one its tooltip tells of). */
function ownNote(own: readonly TreeRow[]): string {
  if (own.length === 0) return '';
  const { role } = own[own.length - 1];
  return role === undefined
    ? ' · directory deleted'
    : role === 'movedAway'
      ? ' · directory moved'
      : role === 'replaced'
        ? ' · directory replaced'
        : ' · directory swapped';
}

function deletionsCount(count: number): string {
  return count === 1 ? '1 deletion' : `${countText(count)} deletions`;
}

function groupItem(
  id: string,
  label: string,
  count: number | undefined,
  icon: vscode.ThemeIcon,
  state: vscode.TreeItemCollapsibleState,
): vscode.TreeItem {
  const item = new vscode.TreeItem(label, state);
  item.id = id;
  item.iconPath = icon;
  if (count !== undefined) item.description = deletionsCount(count);
  item.contextValue = ItemContext.group;
  return item;
}

function noticeItem(id: string, label: string, icon: vscode.ThemeIcon): vscode.TreeItem {
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  item.iconPath = icon;
  item.contextValue = ItemContext.notice;
  return item;
}
