// What the helper is asked to trace, what the view shows and what history
// the recorder is asked for, from the user's choice and the workspace folders.
import { isAtOrBelow, normalizeAbsolute } from '../common/directories';
import type { Scope } from '../common/protocol';
import { defaultRealPath, withRealPathAliases, type RealPath } from '../common/scopeAliases';
import { escapeText } from '../common/shownText';
import type { FolderFilter, WorkspaceFolderInfo } from './view/treeModel';

/**
 * The user's choice in *Filter by Workspace Folder…* (or the `syscallTrace.scope`
 * setting), or a directory chosen with *Show Deletions Here*, kept with its
 * aliases (resolving them asks the disk, which the view's filter must not).
 */
export type ScopeChoice =
  | { kind: 'workspaceFolders' }
  | { kind: 'folder'; path: string }
  | { kind: 'directory'; path: string; aliases: readonly string[] }
  | { kind: 'system' };

/**
 * What the helper traces: the whole system when chosen, or when no folder is
 * open (there would be nothing to trace); else every workspace folder, so
 * that switching the view between folders loses nothing. The folders go as
 * the workspace names them: the helper adds their real paths itself, by the
 * same withRealPathAliases() that gives the view its folders' aliases.
 */
export function helperScope(choice: ScopeChoice, folders: readonly WorkspaceFolderInfo[]): Scope {
  // A directory of its own (Show Deletions Here) is what was asked for, wherever it lies.
  if (choice.kind === 'directory') return { paths: [choice.path] };
  if (choice.kind === 'system' || folders.length === 0) return 'system';
  return { paths: folders.map((folder) => folder.path) };
}

/**
 * The history the recorder is asked for: what the view shows, no more, so
 * that the store's room goes to deletions the view can show. Every alias is
 * named, as the view's filter matches them all.
 */
export function historyScope(choice: ScopeChoice, folders: readonly WorkspaceFolderInfo[]): Scope {
  const filter = viewFilter(choice, folders);
  switch (filter.show) {
    case 'everything':
      return 'system';
    case 'workspaceFolders':
      return { paths: [...new Set(folders.flatMap((folder) => folder.aliases))] };
    case 'folder':
      return { paths: [...filter.aliases] };
  }
}

/**
 * *Show Deletions Here* on `directory`: the workspace folder itself where it
 * is one, as *Filter by Workspace Folder…* would choose it; otherwise that
 * directory and its real path.
 */
export function choiceForDirectory(
  directory: string,
  folders: readonly WorkspaceFolderInfo[],
  realPath: RealPath = defaultRealPath,
): ScopeChoice {
  const path = normalizeAbsolute(directory);
  if (folders.some((folder) => folder.path === path)) return { kind: 'folder', path };
  return { kind: 'directory', path, aliases: withRealPathAliases([path], realPath) };
}

/** What the view shows, in a few words for its description: escaped, since folder names are data. */
export function scopeLabel(choice: ScopeChoice, folders: readonly WorkspaceFolderInfo[]): string {
  const filter = viewFilter(choice, folders);
  if (filter.show === 'everything') return choice.kind === 'system' ? 'whole system' : 'everything';
  if (filter.show === 'workspaceFolders') return 'all workspace folders';
  const folder = folders.find((candidate) => candidate.path === filter.path);
  if (folder !== undefined) return escapeText(folder.name);
  // A directory below a workspace folder reads as the Explorer shows it: folder/sub/dir.
  const holder = folders.find((candidate) => isAtOrBelow(filter.path, candidate.path));
  return escapeText(
    holder === undefined
      ? filter.path
      : `${holder.name}${filter.path.slice(holder.path === '/' ? 0 : holder.path.length)}`,
  );
}

export function viewFilter(choice: ScopeChoice, folders: readonly WorkspaceFolderInfo[]): FolderFilter {
  switch (choice.kind) {
    case 'system':
      return { show: 'everything' };
    case 'workspaceFolders':
      return folders.length === 0 ? { show: 'everything' } : { show: 'workspaceFolders' };
    case 'folder': {
      // A folder removed from the workspace no longer narrows the view.
      const chosen = folders.find((folder) => folder.path === choice.path);
      if (chosen !== undefined) return { show: 'folder', path: chosen.path, aliases: chosen.aliases };
      return folders.length === 0 ? { show: 'everything' } : { show: 'workspaceFolders' };
    }
    case 'directory':
      return { show: 'folder', path: choice.path, aliases: choice.aliases };
  }
}

export function sameScope(a: Scope, b: Scope): boolean {
  if (a === 'system' || b === 'system') return a === b;
  return a.paths.length === b.paths.length && a.paths.every((path, i) => path === b.paths[i]);
}

/** A scope in words, for the log: "the whole system", or its paths. */
export function describeScope(scope: Scope): string {
  return scope === 'system' ? 'the whole system' : scope.paths.join(', ');
}
