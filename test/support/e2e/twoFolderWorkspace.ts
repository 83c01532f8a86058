// A multi-root workspace of two folders, A and B, in a fresh temporary
// directory: what the scenarios open in VS Code and delete files from.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type Folder = 'a' | 'b';

export class TwoFolderWorkspace {
  private constructor(
    /** The directory that holds both folders and the workspace file. */
    readonly root: string,
  ) {}

  static create(): TwoFolderWorkspace {
    // realpath: the kernel reports /tmp's real path, and so must the test.
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-e2e-')));
    const workspace = new TwoFolderWorkspace(root);
    for (const folder of ['a', 'b'] as const) fs.mkdirSync(workspace.folder(folder));
    const folders = (['a', 'b'] as const).map((folder) => ({ path: workspace.folderName(folder) }));
    fs.writeFileSync(workspace.file, JSON.stringify({ folders }, null, 2));
    return workspace;
  }

  /** The `.code-workspace` file. */
  get file(): string {
    return path.join(this.root, 'two-folders.code-workspace');
  }

  /** The folder's name, as the Explorer shows it. */
  folderName(folder: Folder): string {
    return `folder-${folder}`;
  }

  folder(folder: Folder): string {
    return path.join(this.root, this.folderName(folder));
  }

  path(folder: Folder, relative: string): string {
    return path.join(this.folder(folder), relative);
  }

  /** Writes a file, creating its directories. */
  writeFile(folder: Folder, relative: string, content = ''): string {
    const file = this.path(folder, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
