// Restoring a deleted file from the last commit of its repository, as the
// user (never as root: the extension host runs git itself). git is run with
// execFile and literal pathspecs, so a file name is never shell syntax nor
// pathspec magic.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

export interface GitFile {
  /** The repository's top-level directory. */
  repository: string;
  /** The file's path relative to it. */
  relativePath: string;
}

/** How long one git command may take: a look-up or a checkout of one file, more on a large repository or a slow disk. */
const GIT_TIMEOUT_MS = 30_000;

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['--literal-pathspecs', ...args], { cwd, timeout: GIT_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(stdout);
    });
  });
}

/**
 * The file in the repository that holds `workspaceFolder`, if HEAD has it.
 * Undefined when the folder is no repository or the file was never committed.
 */
export async function committedFile(workspaceFolder: string, file: string): Promise<GitFile | undefined> {
  let repository: string;
  try {
    repository = (await git(workspaceFolder, ['rev-parse', '--show-toplevel'])).trim();
  } catch {
    return undefined;
  }
  const relativePath = path.relative(repository, file);
  if (relativePath.startsWith('..') || path.isAbsolute(relativePath)) return undefined;
  try {
    const listed = await git(repository, ['ls-tree', '-z', '--name-only', 'HEAD', '--', relativePath]);
    return listed.split('\0').includes(relativePath) ? { repository, relativePath } : undefined;
  } catch {
    return undefined; // no commit yet
  }
}

/** Brings the file back as HEAD has it (working tree only; the index is left as it is). */
export async function restoreFromHead(file: GitFile): Promise<void> {
  try {
    await git(file.repository, ['restore', '--source=HEAD', '--', file.relativePath]);
  } catch (error) {
    // git before 2.23 has no `restore`.
    if (!/not a git command/.test(String(error))) throw error;
    await git(file.repository, ['checkout', 'HEAD', '--', file.relativePath]);
  }
}
