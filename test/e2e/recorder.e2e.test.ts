// The flight recorder as a person meets it in a real VS Code, with the
// packaged extension (the .vsix) in code-server, whose extension host is root
// here (so no password is ever asked: what the test checks is that no helper
// is started at all, since the view's deletions come from the recorder).
//
// a. A recorder the test starts itself, on a database and socket of its own
//    (syscallTrace.recorderSocket names it), seeded with deletions from hours
//    and days ago: the view opens on its history, *Start* adds live
//    deletions from it, the time range and the workspace-folder filter apply
//    to history, *Show Deletions Here* in the Explorer narrows the view to a
//    directory, and after *Developer: Reload Window* the same deletions are
//    there again and tracing goes on.
// b. With the window tracing through a helper of its own, *Record Deletions
//    Continuously…* installs the recorder on this machine for real (the
//    extension gives `install` no --root: a person's install is the
//    system's); the recorder then traces for the view in the helper's place,
//    and *Stop Recording Continuously* removes it and its process ends. This
//    machine runs no systemd, so `install` starts the recorder itself.
//    afterAll removes whatever the steps left, whether they passed or not,
//    and what a killed run left is removed first.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../common/protocol';
import { CodeServer } from '../../tools/codeServer';
import { packagedExtension } from '../../tools/packagedExtension';
import { findRepoRoot } from '../../tools/repoRoot';
import { helpersOf, isRunning } from '../support/e2e/helperProcesses';
import {
  DATA_DIR,
  INSTALL_DIR,
  INSTALLED_DATABASE,
  installedRecorders,
  RecorderProcess,
  recordedDeletions,
  removeInstalledRecorder,
  seedRecording,
  UNIT_FILE,
} from '../support/e2e/recorders';
import { TwoFolderWorkspace } from '../support/e2e/twoFolderWorkspace';
import { giveToRecorderAccount } from '../support/recorderAccount';
import { Workbench } from '../support/e2e/workbench';

const REPOSITORY = findRepoRoot();
/** The helper the test runs itself (record, history, uninstall): the build the package was made from. */
const HELPER = path.join(REPOSITORY, 'dist', 'helper.js');
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** The seeded deletions' process: no process of the test's has this name. */
const SEEDED_COMMAND = 'nightly-cleanup';
/** A flat list, newest first: each deletion is one row named by its file. */
const SETTINGS = { 'syscallTrace.groupBy': 'time' };

describe('the flight recorder in VS Code', () => {
  describe('a. a running recorder: history and live deletions in one view', () => {
    let workspace: TwoFolderWorkspace;
    let stateDir: string;
    let recorder: RecorderProcess;
    let server: CodeServer;
    let workbench: Workbench;
    /** The rm that deleted docs/before.md in folder A before any window was open. */
    let rmBefore: number;

    const deletions = () => workbench.tree('Deletions');
    const row = (name: string) => workbench.treeItem(deletions(), name);
    const countInStatusBar = () => workbench.page.locator('#workbench\\.parts\\.statusbar [id$="syscallTrace.count"]');
    /** The names of the rows the Deletions view shows now, sorted. */
    const shownNames = async (): Promise<string[]> =>
      (await deletions().locator('[role="treeitem"] .label-name').allInnerTexts()).map((name) => name.trim()).sort();

    async function chooseTimeRange(label: string): Promise<void> {
      await workbench.runCommand('Syscall Trace: Time Range…');
      await workbench.pickQuickItem(label);
    }

    async function chooseFolder(label: string): Promise<void> {
      await workbench.runCommand('Syscall Trace: Filter by Workspace Folder…');
      await workbench.pickQuickItem(label);
    }

    beforeAll(async () => {
      workspace = TwoFolderWorkspace.create();
      for (const file of ['docs/guide.md', 'docs/before.md', 'live-a.txt', 'after-reload.txt'])
        workspace.writeFile('a', file, 'text\n');
      workspace.writeFile('b', 'live-b.txt', 'text\n');

      // root's under the sticky /tmp, and in it the recorder account's own: the extension takes a socket only where no one else could have put it.
      stateDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-e2e-recorder-')));
      fs.chmodSync(stateDir, 0o755);
      const database = path.join(stateDir, 'recorder', 'deletions.db');
      const socket = path.join(stateDir, 'recorder', 'recorder.sock');
      seedRecording(database, [
        seededDeletion(1, workspace.path('a', 'docs/week-old.md'), 3 * DAY_MS),
        seededDeletion(2, workspace.path('b', 'hours-old.txt'), 2 * HOUR_MS),
      ]);
      giveToRecorderAccount(path.dirname(database));
      recorder = await RecorderProcess.start(HELPER, database, socket);
      rmBefore = await run('rm', [workspace.path('a', 'docs/before.md')]);

      server = await CodeServer.start({
        open: workspace.file,
        vsix: packagedExtension(REPOSITORY),
        settings: { ...SETTINGS, 'syscallTrace.recorderSocket': socket },
      });
      workbench = await Workbench.open(server.url, server.password);
      await workbench.runCommand('Syscall Trace: Focus on Deletions View');
    });

    afterEach(async ({ task }) => {
      if (task.result?.state === 'fail') await workbench?.screenshot(`failed recorder ${task.name}`);
    });

    afterAll(async () => {
      await workbench?.close();
      await server?.stop();
      await recorder?.stop();
      if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
      workspace?.remove();
    });

    it('1. the view opens on the recorder’s history of the last day, before any Start, and no helper is started', async () => {
      await row('before.md').waitFor();
      await row('hours-old.txt').waitFor();
      expect(await workbench.rowDescription(row('before.md'))).toContain(`rm (${rmBefore})`);
      expect(await workbench.rowDescription(row('hours-old.txt'))).toContain(SEEDED_COMMAND);
      // Three days ago is outside the last day.
      expect(await row('week-old.md').count()).toBe(0);
      expect(helpersOf(server.extensionsDir)).toEqual([]);
      await workbench.screenshot('recorder-a-1-history');
    });

    it('2. Start traces through the recorder, with no helper: deletions made while the window is open appear beside the history', async () => {
      await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
      await countInStatusBar().locator('.codicon-trash').waitFor();
      const rmA = await run('rm', [workspace.path('a', 'live-a.txt')]);
      const rmB = await run('rm', [workspace.path('b', 'live-b.txt')]);
      await expect.poll(() => workbench.rowDescription(row('live-a.txt'))).toContain(`rm (${rmA})`);
      await expect.poll(() => workbench.rowDescription(row('live-b.txt'))).toContain(`rm (${rmB})`);
      expect(await shownNames()).toEqual(['before.md', 'hours-old.txt', 'live-a.txt', 'live-b.txt']);
      expect(helpersOf(server.extensionsDir)).toEqual([]);
    });

    it('3. the time range applies to history: a week shows the older deletion, an hour hides those of hours ago', async () => {
      await chooseTimeRange('Last Week');
      await row('week-old.md').waitFor();
      expect(await workbench.rowDescription(row('week-old.md'))).toContain(SEEDED_COMMAND);

      await chooseTimeRange('Last Hour');
      await row('hours-old.txt').waitFor({ state: 'detached' });
      await expect.poll(shownNames).toEqual(['before.md', 'live-a.txt', 'live-b.txt']);

      await chooseTimeRange('All');
      await expect.poll(shownNames).toEqual(['before.md', 'hours-old.txt', 'live-a.txt', 'live-b.txt', 'week-old.md']);
      await workbench.screenshot('recorder-a-3-all-recorded');
    });

    it('4. Filter by Workspace Folder… applies to history too', async () => {
      await chooseFolder('folder-b');
      await expect.poll(shownNames).toEqual(['hours-old.txt', 'live-b.txt']);
      await chooseFolder('All Workspace Folders');
      await expect.poll(shownNames).toEqual(['before.md', 'hours-old.txt', 'live-a.txt', 'live-b.txt', 'week-old.md']);
    });

    it('5. Show Deletions Here on a folder in the Explorer narrows the view to it', async () => {
      await workbench.runCommand('View: Show Explorer');
      const folderA = workbench.treeItem(workbench.explorer, 'folder-a');
      await workbench.expand(folderA);
      await workbench.runContextMenuItem(workbench.treeItem(workbench.explorer, 'docs'), 'Show Deletions Here');
      await deletions().waitFor();
      await expect.poll(shownNames).toEqual(['before.md', 'week-old.md']);
      await workbench.screenshot('recorder-a-5-shown-here');

      await chooseFolder('All Workspace Folders');
      await expect.poll(shownNames).toEqual(['before.md', 'hours-old.txt', 'live-a.txt', 'live-b.txt', 'week-old.md']);
    });

    it('6. after Developer: Reload Window the view shows the same deletions again and traces on, with no helper started', async () => {
      await workbench.reloadWindow();
      await workbench.runCommand('Syscall Trace: Focus on Deletions View');
      const before = ['before.md', 'hours-old.txt', 'live-a.txt', 'live-b.txt', 'week-old.md'];
      await expect.poll(shownNames, { timeout: 60_000 }).toEqual(before);
      expect(await workbench.rowDescription(row('before.md'))).toContain(`rm (${rmBefore})`);
      await countInStatusBar().locator('.codicon-trash').waitFor();

      const rm = await run('rm', [workspace.path('a', 'after-reload.txt')]);
      await expect.poll(() => workbench.rowDescription(row('after-reload.txt'))).toContain(`rm (${rm})`);
      expect(await shownNames()).toEqual(['after-reload.txt', ...before]);
      expect(helpersOf(server.extensionsDir)).toEqual([]);
      expect(await workbench.quickInputTitled('Syscall Trace: sudo password').count()).toBe(0);
      expect(isRunning(recorder.pid)).toBe(true);
      await workbench.screenshot('recorder-a-6-after-reload');
    });
  });

  describe('b. Record Deletions Continuously… installs a recorder on this machine; Stop Recording Continuously removes it', () => {
    let folder: string;
    let server: CodeServer;
    let workbench: Workbench;
    /** A recording that was on the machine before the test is kept; one the test made is removed. */
    let dataDirExisted = false;
    /** The helper the window traced with before the recorder was installed. */
    let helper: number;

    const row = (name: string) => workbench.treeItem(workbench.tree('Deletions'), name);
    const countInStatusBar = () => workbench.page.locator('#workbench\\.parts\\.statusbar [id$="syscallTrace.count"]');

    beforeAll(async () => {
      // What a killed run left; a recording found here is kept.
      removeInstalledRecorder(HELPER, true);
      dataDirExisted = fs.existsSync(DATA_DIR);

      folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-e2e-install-')));
      fs.writeFileSync(path.join(folder, 'recorded.txt'), 'text\n');
      server = await CodeServer.start({ open: folder, vsix: packagedExtension(REPOSITORY), settings: SETTINGS });
      workbench = await Workbench.open(server.url, server.password);
      await workbench.runCommand('Syscall Trace: Focus on Deletions View');
    });

    afterEach(async ({ task }) => {
      if (task.result?.state === 'fail') await workbench?.screenshot(`failed install ${task.name}`);
    });

    afterAll(async () => {
      await workbench?.close();
      await server?.stop();
      removeInstalledRecorder(HELPER, dataDirExisted);
      if (folder) fs.rmSync(folder, { recursive: true, force: true });
    });

    it('1. with no recorder, Start traces through a helper of the window’s own', async () => {
      await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
      await countInStatusBar().locator('.codicon-trash').waitFor();
      await expect.poll(() => helpersOf(server.extensionsDir)).toHaveLength(1);
      helper = helpersOf(server.extensionsDir)[0];
    });

    it('2. Record Deletions Continuously… asks first, saying what will run and what it keeps; then installs the recorder and starts it', async () => {
      await workbench.runCommand('Syscall Trace: Record Deletions Continuously…');
      const question = workbench.dialog('Record every deletion on this machine, continuously?');
      await question.waitFor();
      const text = await question.innerText();
      expect(text).toContain('starts as root to load its tracing programs, then runs as a system user of its own');
      expect(text).toContain(`${DATA_DIR}/`);
      expect(text).toContain('30 days');
      expect(text).toContain('1 GiB');
      expect(text).toContain(
        `you (${os.userInfo().username}, uid ${process.getuid!()}) can read the deletions of your own processes only`,
      );
      await workbench.screenshot('recorder-b-2-question');
      await workbench.answerDialog(question, 'Install and Record');

      await workbench
        .notification('Syscall Trace now records every deletion on this machine.')
        .waitFor({ timeout: 120_000 });
      await workbench.screenshot('recorder-b-2-installed');
      const installed = fs.statSync(path.join(INSTALL_DIR, 'helper.js'));
      expect(installed.uid).toBe(0);
      expect(installed.mode & 0o022).toBe(0);
      expect(fs.existsSync(UNIT_FILE)).toBe(true);
      await expect.poll(installedRecorders).toHaveLength(1);
    });

    it('3. the recorder then traces for the view in the helper’s place: a deletion appears, and it is recorded', async () => {
      await expect.poll(() => isRunning(helper)).toBe(false);
      expect(helpersOf(server.extensionsDir)).toEqual([]);
      await countInStatusBar().locator('.codicon-trash').waitFor();

      const file = path.join(folder, 'recorded.txt');
      const rm = await run('rm', [file]);
      await expect.poll(() => workbench.rowDescription(row('recorded.txt'))).toContain(`rm (${rm})`);
      await expect
        .poll(() => recordedDeletions(HELPER, INSTALLED_DATABASE, folder).map((event) => [event.path, event.pid]))
        .toContainEqual([file, rm]);
      expect(helpersOf(server.extensionsDir)).toEqual([]);
    });

    it('4. Stop Recording Continuously, keeping the history: the recorder ends and its files are gone', async () => {
      const recorders = installedRecorders();
      expect(recorders).toHaveLength(1);
      await workbench.runCommand('Syscall Trace: Stop Recording Continuously');
      const question = workbench.dialog('Stop recording deletions continuously?');
      await question.waitFor();
      await workbench.answerDialog(question, 'Stop Recording');

      await workbench.notification('Syscall Trace no longer records deletions').waitFor({ timeout: 120_000 });
      await workbench.screenshot('recorder-b-4-removed');
      await expect.poll(() => isRunning(recorders[0])).toBe(false);
      expect(installedRecorders()).toEqual([]);
      expect(fs.existsSync(INSTALL_DIR)).toBe(false);
      expect(fs.existsSync(UNIT_FILE)).toBe(false);
      expect(fs.existsSync(INSTALLED_DATABASE)).toBe(true);
    });
  });
});

/** A deletion `agoMs` before now, as the recorder would have recorded it. */
function seededDeletion(seq: number, file: string, agoMs: number): DeletionEvent {
  return {
    seq,
    time: new Date(Date.now() - agoMs).toISOString(),
    syscall: 'unlinkat',
    abi: 'x86_64',
    directory: false,
    path: file,
    pathArg: file,
    complete: true,
    result: 0,
    pid: 7000 + seq,
    tid: 7000 + seq,
    ppid: 1,
    uid: 0,
    cgroupId: 1,
    // The host's: the test runs in it, as the recorder does.
    mountNamespace: fs.statSync('/proc/self/ns/mnt').ino,
    comm: SEEDED_COMMAND,
    cmdline: [SEEDED_COMMAND, file],
    ancestors: [{ pid: 1, comm: 'init' }],
  };
}

/** Runs a program to its end and returns its pid: the process the view should name. */
function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (status) =>
      status === 0 ? resolve(child.pid!) : reject(new Error(`${command} ${args.join(' ')} exited with ${status}`)),
    );
  });
}
