// Syscall Trace as a person uses it, in a real VS Code with the packaged
// extension (the .vsix, not the source tree) and a multi-root workspace of two
// folders. The steps run in order and build on each other, as a session does;
// each one checks what the page shows. The extension host is root here, so no
// password is asked (sudoElevation.e2e.test.ts is the ordinary user's side).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CodeServer } from '../../tools/codeServer';
import { attachedLinksOf } from '../support/helperServer';
import { bpfProgramsHeldBy, helpersOf, isRunning, loadedBpfPrograms, parentOf } from '../support/e2e/helperProcesses';
import { packagedExtension } from '../../tools/packagedExtension';
import { findRepoRoot } from '../../tools/repoRoot';
import { run } from '../support/e2e/runProgram';
import { TwoFolderWorkspace } from '../support/e2e/twoFolderWorkspace';
import { Workbench } from '../support/e2e/workbench';

const QUIT_LINK_NAME = '[x](command:workbench.action.quit).md';
const NEWLINE_NAME = 'line\nbreak.txt';
/** How the view writes a name with a newline: as an escape, on one line. */
const NEWLINE_NAME_SHOWN = 'line\\nbreak.txt';

describe('tracing deletions in VS Code', () => {
  let workspace: TwoFolderWorkspace;
  let server: CodeServer;
  let workbench: Workbench;
  /** The `rm` that deleted the tree in folder A. */
  let rmInA: number;
  /** The `rm` that deleted the file in folder B. */
  let rmInB: number;

  const deletions = () => workbench.tree('Deletions');
  const row = (text: string | RegExp) => workbench.treeItem(deletions(), text);
  const countInStatusBar = () => workbench.page.locator('#workbench\\.parts\\.statusbar [id$="syscallTrace.count"]');
  const helpers = () => helpersOf(server.extensionsDir);
  const theHelper = (): number => {
    const running = helpers();
    expect(running).toHaveLength(1);
    return running[0];
  };

  async function waitUntilTracing(): Promise<void> {
    await countInStatusBar().locator('.codicon-trash').waitFor();
    await expect.poll(helpers).toHaveLength(1);
  }

  beforeAll(async () => {
    workspace = TwoFolderWorkspace.create();
    for (const file of ['build/cache/one.o', 'build/cache/two.o', 'build/logs/run.log'])
      workspace.writeFile('a', file, 'output\n');
    for (const name of ['notes.txt', QUIT_LINK_NAME, NEWLINE_NAME]) workspace.writeFile('b', `docs/${name}`, 'text\n');
    workspace.writeFile('b', 'again.txt', 'text\n');
    server = await CodeServer.start({ open: workspace.file, vsix: packagedExtension(findRepoRoot()) });
    workbench = await Workbench.open(server.url, server.password);
    await workbench.runCommand('Syscall Trace: Focus on Deletions View');
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await workbench?.screenshot(`failed ${task.name}`);
  });

  afterAll(async () => {
    await workbench?.close();
    await server?.stop();
    workspace?.remove();
  });

  it('1. shows the welcome content; Start from the palette, with the Explorer in front, reveals the view and the count', async () => {
    const welcome = workbench.page.locator('.pane').filter({ has: deletions() }).locator('.welcome-view-content');
    await welcome.waitFor();
    expect(await welcome.innerText()).toContain('Start Tracing Deletions');

    await workbench.runCommand('View: Show Explorer');
    await welcome.waitFor({ state: 'hidden' });
    await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
    // No deletion yet: the view shows its welcome content for a tracing session.
    await welcome.filter({ hasText: 'no deletions yet' }).waitFor();
    await waitUntilTracing();
    expect((await countInStatusBar().innerText()).trim()).toBe('0');
  });

  it('2. shows a nested tree deleted by rm -r in folder A and a file deleted in folder B, under their folders', async () => {
    rmInA = await run('rm', ['-r', workspace.path('a', 'build')]);
    rmInB = await run('rm', [workspace.path('b', 'docs/notes.txt')]);

    // one.o, two.o, cache/, run.log, logs/, build/ in A; notes.txt in B.
    await expect.poll(() => workbench.rowDescription(row('folder-a'))).toBe('6 deletions');
    await expect.poll(() => workbench.rowDescription(row('folder-b'))).toBe('1 deletion');
    await expect.poll(async () => (await countInStatusBar().innerText()).trim()).toBe('7');

    await workbench.expand(row('build'));
    await workbench.expand(row('cache'));
    await workbench.expand(row('logs'));
    for (const file of ['one.o', 'two.o', 'run.log']) {
      await expect.poll(() => workbench.rowDescription(row(file))).toContain(`rm (${rmInA})`);
    }
    await workbench.expand(row('docs'));
    await expect.poll(() => workbench.rowDescription(row('notes.txt'))).toContain(`rm (${rmInB})`);
    await workbench.screenshot('2-deletions-in-two-folders');
  });

  it('3. Filter by Workspace Folder… shows only the chosen folder, then all of them again', async () => {
    await workbench.runCommand('Syscall Trace: Filter by Workspace Folder…');
    await workbench.pickQuickItem('folder-b');
    await row('folder-a').waitFor({ state: 'detached' });
    await row('notes.txt').waitFor();

    await workbench.runCommand('Syscall Trace: Filter by Workspace Folder…');
    await workbench.pickQuickItem('All Workspace Folders');
    await row('folder-a').waitFor();
    await row('notes.txt').waitFor();
  });

  it('4. clicking a deleted file reveals its parent directory in the Explorer', async () => {
    await row('notes.txt').click();
    await expect.poll(() => workbench.explorerSelection()).toBe('docs');
    await workbench.screenshot('4-parent-directory-revealed');
    await workbench.runCommand('Syscall Trace: Focus on Deletions View');
  });

  it('5. hovers show names that look like links or hold a newline as plain text, and the workbench stays', async () => {
    await run('rm', [workspace.path('b', `docs/${QUIT_LINK_NAME}`)]);
    await run('rm', [workspace.path('b', `docs/${NEWLINE_NAME}`)]);
    const docs = workspace.path('b', 'docs');

    const quitHover = await workbench.hoverText(row(QUIT_LINK_NAME));
    expect(quitHover).toContain(`${docs}/${QUIT_LINK_NAME}`);
    expect(
      await workbench.hover.locator('a[data-href*="workbench.action.quit"], a[href*="workbench.action.quit"]').count(),
    ).toBe(0);
    await workbench.screenshot('5-hover-of-a-name-like-a-link');
    // Where the name is, a click does nothing: it is text, not a link.
    await workbench.hover.getByText('(command:workbench.action.quit).md').first().click();
    await workbench.page.locator('.monaco-workbench').waitFor();

    const newlineHover = await workbench.hoverText(row(NEWLINE_NAME_SHOWN));
    expect(newlineHover).toContain(`${docs}/${NEWLINE_NAME_SHOWN}`);
    expect(newlineHover).not.toContain(QUIT_LINK_NAME);
    expect(newlineHover).not.toContain(NEWLINE_NAME);
    await workbench.screenshot('5-hover-of-a-name-with-a-newline');

    await workbench.dismissHover();
    await workbench.page.locator('.monaco-workbench').waitFor();
    await row('folder-b').waitFor();
  });

  it('6. Group By… process shows rm with its pid; Stop Tracing detaches, and the helper waits for the next Start', async () => {
    await workbench.runCommand('Syscall Trace: Group By…');
    await workbench.pickQuickItem('Process');
    await row(`rm (${rmInA})`).waitFor();
    await row(`rm (${rmInB})`).waitFor();
    expect(await workbench.rowDescription(row(`rm (${rmInA})`))).toBe('6 deletions');

    const helper = theHelper();
    const programs = bpfProgramsHeldBy(helper);
    expect(programs.length).toBeGreaterThan(0);

    expect(attachedLinksOf(helper)).toBeGreaterThan(0);
    await workbench.runCommand('Syscall Trace: Stop Tracing');
    await countInStatusBar().locator('.codicon-debug-pause').waitFor();
    await expect.poll(() => attachedLinksOf(helper)).toBe(0);
    expect(isRunning(helper)).toBe(true);
    expect(bpfProgramsHeldBy(helper)).toEqual(programs);
  });

  it('7. a helper killed from outside is reported in the view, and Start works again with a new one', async () => {
    await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
    await waitUntilTracing();
    const helper = theHelper();
    process.kill(helper, 'SIGKILL');

    const message = workbench.page.locator('.pane').filter({ has: deletions() }).locator('.message');
    await message.filter({ hasText: 'Tracing stopped: the helper' }).waitFor();

    await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
    await waitUntilTracing();
    expect(theHelper()).not.toBe(helper);
    const rmAgain = await run('rm', [workspace.path('b', 'again.txt')]);
    await row(`rm (${rmAgain})`).waitFor();
  });

  it('8. the extension host dying ends the helper within a second, and its BPF programs with it', async () => {
    const helper = theHelper();
    const programs = bpfProgramsHeldBy(helper);
    // The extension host runs as root here, so it starts the helper itself: it is the helper's parent.
    const extensionHost = parentOf(helper);
    process.kill(extensionHost, 'SIGKILL');
    const killedAt = Date.now();
    await expect.poll(() => isRunning(helper), { interval: 20, timeout: 5_000 }).toBe(false);
    expect(Date.now() - killedAt).toBeLessThan(1_000);
    // The kernel frees a program shortly after its last reference is gone.
    await expect.poll(() => loadedBpfPrograms().filter((id) => programs.includes(id))).toEqual([]);
  });
});
