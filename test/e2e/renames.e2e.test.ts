// Renames in the Deletions view, in a real VS Code with the packaged
// extension: an editor's atomic save (x.tmp renamed over x) is one row under
// the file saved over, a file moved out of the workspace is a row that says
// where it went, and syscallTrace.hideSameFolderReplaces takes the saves out
// of the view but not the moves. The steps run in order and build on each
// other, as a session does.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { CodeServer } from '../../tools/codeServer';
import { packagedExtension } from '../../tools/packagedExtension';
import { findRepoRoot } from '../../tools/repoRoot';
import { run } from '../support/e2e/runProgram';
import { Workbench } from '../support/e2e/workbench';

const FOLDER_NAME = 'project';

describe('renames in the Deletions view', () => {
  let root: string;
  /** The workspace folder. */
  let project: string;
  /** A folder outside the workspace that files are moved to. */
  let elsewhere: string;
  let server: CodeServer;
  let workbench: Workbench;

  const deletions = () => workbench.tree('Deletions');
  const row = (text: string) => workbench.treeItem(deletions(), text);
  const folderRow = () => row(FOLDER_NAME);
  /** The names of the rows under the workspace folder's, in any order. */
  const namesInFolder = async () =>
    (await deletions().locator('[role="treeitem"][aria-level="2"] .label-name').allInnerTexts()).sort();

  /**
   * What an editor does at a save: the new content into `name.tmp`, renamed
   * over `name`. `name` is read first, as an editor reads what it saves over,
   * so that the kernel has its name at hand and the helper can tell that a
   * file was replaced. Returns the pid of the process that renamed.
   */
  async function saveAtomically(name: string, content: string): Promise<number> {
    await run('cat', [name], project);
    fs.writeFileSync(path.join(project, `${name}.tmp`), content);
    return run('python3', ['-c', `import os; os.replace('${name}.tmp', '${name}')`], project);
  }

  beforeAll(async () => {
    // realpath: the kernel reports /tmp's real path, and so must the test.
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-e2e-renames-')));
    project = path.join(root, FOLDER_NAME);
    elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(project);
    fs.mkdirSync(elsewhere);
    for (const name of ['conf.txt', 'app.conf', 'notes.md', 'draft.md'])
      fs.writeFileSync(path.join(project, name), 'first\n');
    server = await CodeServer.start({ open: project, vsix: packagedExtension(findRepoRoot()) });
    workbench = await Workbench.open(server.url, server.password);
    await workbench.startTracing();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await workbench?.screenshot(`failed ${task.name}`);
  });

  afterAll(async () => {
    await workbench?.close();
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('1. an atomic save is one row, under the file saved over, that names the .tmp it was saved over by', async () => {
    const saver = await saveAtomically('conf.txt', 'second\n');

    await expect.poll(() => workbench.rowDescription(folderRow())).toBe('1 deletion');
    const saved = row('conf.txt');
    await expect.poll(() => workbench.rowDescription(saved)).toContain('saved over by “conf.txt.tmp” (same folder)');
    expect(await workbench.rowDescription(saved)).toContain(`python3 (${saver})`);
    expect(await namesInFolder()).toEqual(['conf.txt']);
    await workbench.screenshot('renames-1-atomic-save');
  });

  it('2. a file moved out of the workspace is a row under the folder that says where it went', async () => {
    const destination = path.join(elsewhere, 'notes.md');
    const mover = await run('mv', [path.join(project, 'notes.md'), destination]);

    await expect.poll(() => workbench.rowDescription(folderRow())).toBe('2 deletions');
    const moved = row('notes.md');
    await expect.poll(() => workbench.rowDescription(moved)).toContain(`moved to ${destination}`);
    expect(await workbench.rowDescription(moved)).toContain(`mv (${mover})`);
    expect(await namesInFolder()).toEqual(['conf.txt', 'notes.md']);
    await workbench.screenshot('renames-2-moved-away');
  });

  it('3. with syscallTrace.hideSameFolderReplaces, saves leave the view and a further one shows no row, while a move still does', async () => {
    fs.mkdirSync(path.join(project, '.vscode'));
    fs.writeFileSync(
      path.join(project, '.vscode', 'settings.json'),
      JSON.stringify({ 'syscallTrace.hideSameFolderReplaces': true }, null, 2),
    );
    // The save already shown goes once the workbench has read the setting.
    await row('conf.txt').waitFor({ state: 'detached' });
    await expect.poll(() => workbench.rowDescription(folderRow())).toBe('1 deletion');

    await saveAtomically('app.conf', 'second\n');
    const destination = path.join(elsewhere, 'draft.md');
    await run('mv', [path.join(project, 'draft.md'), destination]);

    // The helper sends events in order: once the move is shown, the save before it has been seen too.
    await expect.poll(() => workbench.rowDescription(row('draft.md'))).toContain(`moved to ${destination}`);
    expect(await workbench.rowDescription(folderRow())).toBe('2 deletions');
    expect(await namesInFolder()).toEqual(['draft.md', 'notes.md']);
    await workbench.screenshot('renames-3-saves-hidden');
  });
});
