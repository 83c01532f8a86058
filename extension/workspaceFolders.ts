// The workspace folders as the view and the scope use them: each with the
// names the helper may report its deletions under. Resolving symlinks asks
// the disk, so this is done when the folders change, not whenever the view
// is drawn.
import { normalizeAbsolute } from '../common/directories';
import { aliasHolding, defaultRealPath, withRealPathAliases, type RealPath } from '../common/scopeAliases';
import { folderOf, type WorkspaceFolderInfo } from './view/treeModel';

/** What this needs of a vscode.WorkspaceFolder. */
export interface NamedFolder {
  name: string;
  uri: { fsPath: string };
}

/**
 * Each folder with its aliases. The extension runs on the machine that holds
 * the files (extensionKind "workspace"), so a folder's path is a path on the
 * machine the helper traces, in a remote window too.
 */
export function workspaceFolderInfos(
  folders: readonly NamedFolder[],
  realPath: RealPath = defaultRealPath,
): WorkspaceFolderInfo[] {
  return folders.map((folder) => {
    const path = normalizeAbsolute(folder.uri.fsPath);
    return { name: folder.name, path, aliases: withRealPathAliases([path], realPath) };
  });
}

/**
 * `path` as the workspace names it: below a folder's real path, the same
 * place below the name the folder was opened by, which is the one the
 * Explorer knows it by. Elsewhere, `path` itself.
 */
export function workspacePathOf(path: string, folders: readonly WorkspaceFolderInfo[]): string {
  const folder = folderOf(path, folders);
  const root = folder === undefined ? undefined : aliasHolding(path, folder.aliases);
  if (folder === undefined || root === undefined || root === folder.path) return path;
  return normalizeAbsolute(`${folder.path}/${path.slice(root.length)}`);
}
