// What the helper is asked to trace and what the view shows, from the user's
// choice and the workspace folders.
import type { Scope } from '../common/protocol';
import type { FolderFilter, WorkspaceFolderInfo } from './treeModel';

/** The user's choice in *Filter by Workspace Folder…* (or the `syscallTrace.scope` setting). */
export type ScopeChoice = { kind: 'workspaceFolders' } | { kind: 'folder'; path: string } | { kind: 'system' };

/**
 * What the helper traces: the whole system when chosen, or when no folder is
 * open (there would be nothing to trace); else every workspace folder, so
 * that switching the view between folders loses nothing. The folders go as
 * the workspace names them: the helper adds their real paths itself, by the
 * same withRealPathAliases() that gives the view its folders' aliases.
 */
export function helperScope(choice: ScopeChoice, folders: readonly WorkspaceFolderInfo[]): Scope {
  if (choice.kind === 'system' || folders.length === 0) return 'system';
  return { paths: folders.map((folder) => folder.path) };
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
      return chosen === undefined ? { show: 'workspaceFolders' } : { show: 'folder', path: chosen.path, aliases: chosen.aliases };
    }
  }
}

export function sameScope(a: Scope, b: Scope): boolean {
  if (a === 'system' || b === 'system') return a === b;
  return a.paths.length === b.paths.length && a.paths.every((path, i) => path === b.paths[i]);
}
