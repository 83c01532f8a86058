// The Deletions view's data: the tree model of the store, rebuilt when the
// store changes, at most a few times a second so that a storm of deletions
// does not keep the extension host busy regrouping.
import * as vscode from 'vscode';

import type { DeletionStore, StoredDeletion } from './deletionStore';
import type { TreeItems } from './treeItems';
import { buildTree, children, type TreeNode, type TreeOptions } from './treeModel';

/** The shortest pause between redraws: a few a second look live, and leave the extension host free between them. */
const MIN_REFRESH_INTERVAL_MS = 250;
/** Each this many deletions the store holds lengthen that pause by a millisecond: regrouping costs time in proportion to what it holds. */
const DELETIONS_PER_EXTRA_MS = 100;
/** Relative times ("5 min ago") go stale: the view is redrawn this often while it holds anything. */
const CLOCK_REFRESH_MS = 30_000;

export class DeletionsView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pendingRefresh: NodeJS.Timeout | undefined;
  private lastRefresh = 0;
  private readonly clock: NodeJS.Timeout;

  constructor(
    private readonly store: DeletionStore,
    private readonly options: () => TreeOptions,
    private readonly items: TreeItems,
  ) {
    this.clock = setInterval(() => {
      if (this.store.size > 0) this.refresh();
    }, CLOCK_REFRESH_MS);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node !== undefined) return children(node);
    return buildTree(this.store, this.options()).roots;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return this.items.treeItem(node);
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    item.tooltip ??= this.items.tooltip(node);
    return item;
  }

  /** The deletions the view shows now, oldest first: what *Export…* writes. */
  shownDeletions(): StoredDeletion[] {
    return buildTree(this.store, this.options()).shown.slice().reverse();
  }

  /**
   * Redraws soon. Grouping costs time in proportion to what the store holds,
   * so the larger it is, the longer the pause between redraws.
   */
  refresh(): void {
    if (this.pendingRefresh !== undefined) return;
    const interval = MIN_REFRESH_INTERVAL_MS + this.store.size / DELETIONS_PER_EXTRA_MS;
    const wait = Math.max(0, this.lastRefresh + interval - Date.now());
    this.pendingRefresh = setTimeout(() => this.refreshNow(), wait);
  }

  /** Redraws now: after a user's own action, which should show at once. */
  refreshNow(): void {
    if (this.pendingRefresh !== undefined) clearTimeout(this.pendingRefresh);
    this.pendingRefresh = undefined;
    this.lastRefresh = Date.now();
    this.changed.fire(undefined);
  }

  dispose(): void {
    if (this.pendingRefresh !== undefined) clearTimeout(this.pendingRefresh);
    clearInterval(this.clock);
    this.changed.dispose();
  }
}
