// The harness itself, on VS Code's own features: if these fail, the
// extension's scenario cannot say anything either.
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeServer } from '../../tools/codeServer';
import { TwoFolderWorkspace } from '../support/e2e/twoFolderWorkspace';
import { Workbench } from '../support/e2e/workbench';

describe('a real VS Code workbench in Chromium', () => {
  let workspace: TwoFolderWorkspace;
  let server: CodeServer;
  let workbench: Workbench;

  beforeAll(async () => {
    workspace = TwoFolderWorkspace.create();
    workspace.writeFile('a', 'docs/notes.txt', 'notes\n');
    workspace.writeFile('b', 'readme.txt', 'readme\n');
    server = await CodeServer.start({ open: workspace.file });
    workbench = await Workbench.open(server.url, server.password);
  });

  afterAll(async () => {
    await workbench?.close();
    await server?.stop();
    workspace?.remove();
  });

  it('shows both folders of the multi-root workspace in the Explorer', async () => {
    await workbench.treeItem(workbench.explorer, workspace.folderName('a')).waitFor();
    await workbench.treeItem(workbench.explorer, workspace.folderName('b')).waitFor();
  });

  it('runs a command picked by its title in the command palette', async () => {
    const terminal = workbench.page.locator('.part.panel .terminal-wrapper');
    expect(await terminal.isVisible()).toBe(false);
    await workbench.runCommand('View: Toggle Terminal');
    await terminal.waitFor();
  });

  it('reads the row selected in the Explorer', async () => {
    await workbench.treeItem(workbench.explorer, 'docs').click();
    await expect.poll(() => workbench.explorerSelection()).toBe('docs');
    await workbench.treeItem(workbench.explorer, 'readme.txt').click();
    await expect.poll(() => workbench.explorerSelection()).toBe('readme.txt');
  });

  it('reads the hover of what the pointer rests on', async () => {
    const problems = workbench.page.locator('#status\\.problems');
    const hover = await workbench.hoverText(problems);
    expect(hover).toBe('No Problems');
  });

  it('keeps a screenshot of the workbench', async () => {
    const file = await workbench.screenshot('workbench');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });
});
