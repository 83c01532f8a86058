// What the Deletions view shows, as plain data: the store's deletions grouped
// by workspace folder → directory → file (with single-child directories
// compacted as the Explorer does), by process, or as one list newest first.
// Levels are built when they are asked for, from the deletions below them,
// so that the first levels answer quickly however many deletions are held,
// and a burst under one directory stays one node.
import { isAtOrBelow, isEventInScope } from '../../common/directories';
import type { Container } from '../../common/protocol';
import { aliasHolding } from '../../common/scopeAliases';
import type { DeletionStore, StoredDeletion } from './deletionStore';
import { eventCount, isSameFolderReplace, rowInList, rowPath, rowsInFolders, type TreeRow } from './renameRows';

export type Grouping = 'folder' | 'process' | 'time';

export interface WorkspaceFolderInfo {
  name: string;
  /** Absolute file-system path, as the workspace names it, without a trailing slash (except "/"). */
  path: string;
  /**
   * `path`, and its real path where a symlink on the way leads elsewhere: the
   * helper reports deletions by their real path, so a folder opened through
   * a symlink holds those below either (common/scopeAliases.ts).
   */
  aliases: readonly string[];
}

/** Which deletions the view shows: everything held, those in any workspace folder, or those in one (below any of its aliases). */
export type FolderFilter =
  { show: 'everything' } | { show: 'workspaceFolders' } | { show: 'folder'; path: string; aliases: readonly string[] };

export interface TreeOptions {
  grouping: Grouping;
  folders: readonly WorkspaceFolderInfo[];
  filter: FolderFilter;
  /** Whether deletions that failed (result < 0) are shown. */
  showFailed: boolean;
  /** Whether renames that replace a file with one from its own directory (an editor's save) are hidden. */
  hideSameFolderReplaces?: boolean;
  /** Where the view shows the recorder's history: what the recorder and the history leave out. */
  recorder?: RecorderNotices;
}

export interface RecorderNotices {
  /** Deletions the recorder could not write to its database since it started (RecorderStatus.unrecorded). */
  unrecorded: number;
  /** Why it cannot write now, in its words; absent while it can. */
  problem?: string;
  /** Older deletions of the time range match too, but the view could not hold them. */
  historyCut: boolean;
}

/** A deletion's context decides what its description repeats of its path. */
export type DeletionContext = 'inDirectory' | 'inList';

export type TreeNode =
  | { kind: 'workspaceFolder'; id: string; folder: WorkspaceFolderInfo; count: number; deletions: TreeRow[] }
  | { kind: 'elsewhere'; id: string; count: number; deletions: TreeRow[] }
  | {
      kind: 'directory';
      id: string;
      /** One or more path components joined by "/", as they are (not escaped). */
      label: string;
      /** Absolute path of the (last) directory the node stands for. */
      path: string;
      count: number;
      /** Deletions below the directory. */
      below: TreeRow[];
      /** Deletions of the directory itself. */
      own: TreeRow[];
    }
  | { kind: 'deletion'; id: string; deletion: TreeRow; context: DeletionContext }
  | {
      kind: 'process';
      id: string;
      pid: number;
      comm: string;
      container?: Container;
      count: number;
      deletions: StoredDeletion[];
    }
  | { kind: 'older'; id: string; page: number; count: number; deletions: StoredDeletion[] }
  | { kind: 'dropped'; id: string; count: number; limit: number }
  | { kind: 'lost'; id: string; count: number }
  | { kind: 'unrecorded'; id: string; count: number; problem?: string }
  | { kind: 'historyCut'; id: string; limit: number };

const SLASH = 0x2f;

/** Flat lists show this many deletions, then one node holding the older ones. */
export const FLAT_PAGE_SIZE = 1000;

export interface DeletionTree {
  readonly roots: TreeNode[];
  /** The deletions the view shows (after filters), newest first. */
  readonly shown: StoredDeletion[];
  children(node: TreeNode): TreeNode[];
}

export function buildTree(store: DeletionStore, options: TreeOptions): DeletionTree {
  const visible = store.newestFirst().filter((deletion) => isShown(deletion, options));
  const notices: TreeNode[] = [];
  if (store.dropped > 0) notices.push({ kind: 'dropped', id: 'dropped', count: store.dropped, limit: store.limit });
  if (store.lost > 0) notices.push({ kind: 'lost', id: 'lost', count: store.lost });
  const { recorder } = options;
  if (recorder !== undefined && (recorder.unrecorded > 0 || recorder.problem !== undefined)) {
    const notice: TreeNode = { kind: 'unrecorded', id: 'unrecorded', count: recorder.unrecorded };
    if (recorder.problem !== undefined) notice.problem = recorder.problem;
    notices.push(notice);
  }
  if (recorder?.historyCut === true) notices.push({ kind: 'historyCut', id: 'historyCut', limit: store.limit });
  return {
    roots: [...notices, ...topLevel(visible, options.folders, options.grouping)],
    shown: visible,
    children,
  };
}

/** The children of any node; leaves and notices have none. */
export function children(node: TreeNode): TreeNode[] {
  switch (node.kind) {
    case 'workspaceFolder':
      return childrenOfFolder(node.folder, node.deletions);
    case 'elsewhere':
      return childrenOfDirectory('/', node.deletions, '/');
    case 'directory':
      return childrenOfDirectory(node.path, node.below, '');
    case 'process':
      return node.deletions.map((deletion) => deletionNode(rowInList(deletion), 'inList'));
    case 'older':
      return flatPage(node.deletions, node.page);
    default:
      return [];
  }
}

function topLevel(visible: StoredDeletion[], folders: readonly WorkspaceFolderInfo[], grouping: Grouping): TreeNode[] {
  switch (grouping) {
    case 'folder':
      return byWorkspaceFolder(visible, folders);
    case 'process':
      return byProcess(visible);
    case 'time':
      return flatPage(visible, 0);
  }
}

function isShown(deletion: StoredDeletion, options: TreeOptions): boolean {
  const { event } = deletion;
  if (event.result < 0 && !options.showFailed) return false;
  if (options.hideSameFolderReplaces === true && isSameFolderReplace(event)) return false;
  switch (options.filter.show) {
    case 'everything':
      return true;
    case 'workspaceFolders':
      return options.folders.some((folder) => isEventInScope(event, folder.aliases));
    case 'folder':
      return isEventInScope(event, options.filter.aliases);
  }
}

/**
 * The innermost workspace folder holding `path`, below its own path or one of
 * its aliases, so that a folder nested in another claims its own deletions.
 * Where two folders hold it equally (one directory opened twice, once through
 * a symlink), the one that names it as the workspace does, then the first.
 */
export function folderOf(path: string, folders: readonly WorkspaceFolderInfo[]): WorkspaceFolderInfo | undefined {
  let innermost: WorkspaceFolderInfo | undefined;
  let innermostRoot = '';
  for (const folder of folders) {
    const root = aliasHolding(path, folder.aliases);
    if (root === undefined) continue;
    const namesItAsTheWorkspaceDoes = root === innermostRoot && root === folder.path && innermost?.path !== root;
    if (innermost === undefined || root.length > innermostRoot.length || namesItAsTheWorkspaceDoes) {
      innermost = folder;
      innermostRoot = root;
    }
  }
  return innermost;
}

function byWorkspaceFolder(visible: StoredDeletion[], folders: readonly WorkspaceFolderInfo[]): TreeNode[] {
  // A rename stands under each folder it took a name from.
  const rows: TreeRow[] = [];
  for (const deletion of visible) rowsInFolders(deletion, rows);
  // With no folder open there is nothing to group by: the file system itself is the top.
  if (folders.length === 0) return childrenOfDirectory('/', rows, '/');
  const perFolder = new Map<WorkspaceFolderInfo, TreeRow[]>();
  const elsewhere: TreeRow[] = [];
  for (const row of rows) {
    const folder = folderOf(rowPath(row), folders);
    if (folder === undefined) elsewhere.push(row);
    else {
      let list = perFolder.get(folder);
      if (list === undefined) perFolder.set(folder, (list = []));
      list.push(row);
    }
  }
  const nodes: TreeNode[] = [];
  // Folders in the order the workspace lists them.
  for (const folder of folders) {
    const deletions = perFolder.get(folder);
    if (deletions !== undefined)
      nodes.push({
        kind: 'workspaceFolder',
        id: `folder:${folder.path}`,
        folder,
        count: eventCount(deletions),
        deletions,
      });
  }
  if (elsewhere.length > 0)
    nodes.push({ kind: 'elsewhere', id: 'elsewhere', count: eventCount(elsewhere), deletions: elsewhere });
  return nodes;
}

/**
 * What lies directly below a workspace folder. Each deletion is placed
 * relative to the alias it lies below: /real/ws/a/b.txt shows as a/b.txt
 * under the folder /ws-link whose real path is /real/ws.
 */
function childrenOfFolder(folder: WorkspaceFolderInfo, deletions: readonly TreeRow[]): TreeNode[] {
  if (folder.aliases.length <= 1) return childrenOfDirectory(folder.path, deletions, '');
  const byRoot = new Map<string, TreeRow[]>();
  for (const deletion of deletions) {
    const root = aliasHolding(rowPath(deletion), folder.aliases) ?? folder.path;
    let list = byRoot.get(root);
    if (list === undefined) byRoot.set(root, (list = []));
    list.push(deletion);
  }
  const nodes = [...byRoot].map(([root, below]) => childrenOfDirectory(root, below, ''));
  if (nodes.length === 1) return nodes[0];
  // Seen under more than one of the folder's names (a helper that reported the name it was given):
  // one level, directories first, as each root's own children are.
  const all = nodes.flat();
  return [...all.filter((node) => node.kind === 'directory'), ...all.filter((node) => node.kind !== 'directory')];
}

interface DirectoryGroup {
  below: TreeRow[];
  own: TreeRow[];
}

/**
 * The directories and files directly below `base`, from the deletions at or
 * below it. `labelPrefix` starts the labels of the directories (the "/" of
 * top-level directories outside every workspace folder).
 */
function childrenOfDirectory(base: string, deletions: readonly TreeRow[], labelPrefix: string): TreeNode[] {
  const start = base === '/' ? 1 : base.length + 1;
  const groups = new Map<string, DirectoryGroup>();
  const files: TreeRow[] = [];
  // Deletions come in bursts under one directory: while they stay under the
  // same child, it is found again without cutting its name out of each path.
  let lastName = '';
  let lastGroup: DirectoryGroup | undefined;
  for (const deletion of deletions) {
    const path = rowPath(deletion);
    const { directory } = deletion.event;
    if (
      lastGroup !== undefined &&
      path.startsWith(lastName, start) &&
      path.charCodeAt(start + lastName.length) === SLASH
    ) {
      lastGroup.below.push(deletion);
      continue;
    }
    // A path known only in part ("…/x/y") has no place in the hierarchy: it is listed where it was found.
    if (!isAtOrBelow(path, base) || path === base) {
      files.push(deletion);
      continue;
    }
    const slash = path.indexOf('/', start);
    const name = slash < 0 ? path.slice(start) : path.slice(start, slash);
    if (slash < 0 && !directory) {
      files.push(deletion);
      continue;
    }
    let group = groups.get(name);
    if (group === undefined) groups.set(name, (group = { below: [], own: [] }));
    (slash < 0 ? group.own : group.below).push(deletion);
    lastName = name;
    lastGroup = group;
  }

  const directoryNodes: TreeNode[] = [];
  const leafNodes: TreeNode[] = [];
  for (const name of [...groups.keys()].sort(byText)) {
    const group = groups.get(name)!;
    const path = base === '/' ? `/${name}` : `${base}/${name}`;
    if (group.below.length === 0) {
      // A directory deleted while empty is a leaf like a file.
      for (const deletion of group.own) leafNodes.push(deletionNode(deletion, 'inDirectory'));
      continue;
    }
    directoryNodes.push(compacted(path, labelPrefix + name, group));
  }
  for (const deletion of files) leafNodes.push(deletionNode(deletion, 'inDirectory'));
  // As in the Explorer: directories first, then files by name; one name deleted again and again, newest first.
  leafNodes.sort(
    (a, b) => byText(rowPath(deletionOf(a)), rowPath(deletionOf(b))) || deletionOf(b).id - deletionOf(a).id,
  );
  return [...directoryNodes, ...leafNodes];
}

/** Joins single-child directories into one node ("src/main/java"), as the Explorer's compact folders do. */
function compacted(path: string, label: string, group: DirectoryGroup): TreeNode {
  const { below, own } = group;
  // A directory that was itself deleted keeps its own node: its deletion is worth seeing.
  while (own.length === 0) {
    const next = onlyChildDirectory(path, below);
    if (next === undefined) break;
    path = `${path}/${next}`;
    label = `${label}/${next}`;
  }
  // `below` stays as it is while compacting: every deletion below the child is below the parent.
  return { kind: 'directory', id: `dir:${path}`, label, path, count: eventCount(below) + eventCount(own), below, own };
}

/** The one subdirectory of `path` that holds every deletion in `below`, if it is one and no deletion is of it. */
function onlyChildDirectory(path: string, below: readonly TreeRow[]): string | undefined {
  const start = path.length + 1;
  let only: string | undefined;
  for (const row of below) {
    const placed = rowPath(row);
    if (only !== undefined) {
      if (placed.startsWith(only, start) && placed.charCodeAt(start + only.length) === SLASH) continue;
      return undefined;
    }
    const slash = placed.indexOf('/', start);
    if (slash < 0) return undefined; // a file, or the child itself, at this level
    only = placed.slice(start, slash);
  }
  return only;
}

function byProcess(visible: StoredDeletion[]): TreeNode[] {
  type ProcessNode = Extract<TreeNode, { kind: 'process' }>;
  const processes = new Map<string, ProcessNode>();
  let last: ProcessNode | undefined;
  for (const deletion of visible) {
    const { pid, comm, container } = deletion.event;
    // A process deletes in bursts: most deletions belong to the same one as the one before.
    let node =
      last !== undefined && last.pid === pid && last.comm === comm && sameContainer(last.container, container)
        ? last
        : undefined;
    if (node === undefined) {
      // The container is part of who deleted: a process shows it, so one that shows none is another process.
      const inContainer = container === undefined ? '' : `:${container.engine}:${container.id}`;
      const key = `${pid}\0${comm}\0${inContainer}`;
      node = processes.get(key);
      if (node === undefined) {
        node = { kind: 'process', id: `process:${pid}:${comm}${inContainer}`, pid, comm, count: 0, deletions: [] };
        if (container !== undefined) node.container = container;
        processes.set(key, node);
      }
      last = node;
    }
    node.count++;
    node.deletions.push(deletion);
  }
  // `visible` is newest first, so the processes are in order of their latest deletion.
  return [...processes.values()];
}

function sameContainer(a: Container | undefined, b: Container | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.engine === b.engine && a.id === b.id);
}

function flatPage(newestFirst: StoredDeletion[], page: number): TreeNode[] {
  const nodes: TreeNode[] = newestFirst
    .slice(0, FLAT_PAGE_SIZE)
    .map((deletion) => deletionNode(rowInList(deletion), 'inList'));
  const older = newestFirst.slice(FLAT_PAGE_SIZE);
  if (older.length > 0)
    nodes.push({ kind: 'older', id: `older:${page + 1}`, page: page + 1, count: older.length, deletions: older });
  return nodes;
}

function deletionOf(node: TreeNode): TreeRow {
  if (node.kind !== 'deletion') throw new TypeError(`${node.kind} is not a deletion`);
  return node.deletion;
}

function deletionNode(deletion: TreeRow, context: DeletionContext): TreeNode {
  // A rename's second row, under the replaced file, needs an id of its own.
  const id = deletion.role === 'replaced' ? `deletion:${deletion.id}:replaced` : `deletion:${deletion.id}`;
  return { kind: 'deletion', id, deletion, context };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
