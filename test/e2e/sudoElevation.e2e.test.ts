// Syscall Trace as an ordinary user starts it: VS Code runs as that user,
// who may become root through sudo with their password, on a machine that
// locks an account after 3 failed attempts (pam_faillock). The password is
// typed into the extension's password box, wrongly first; the helper that
// sudo starts must end up as the user, without capabilities to speak of.
//
// CI runs as root on a fresh machine, so the test makes the user, the
// sudoers rule, the PAM stack and a mount of code-server's install itself,
// and undoes them in afterAll, whether the steps passed or not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODE_CHOICE } from '../../common/protocol';
import { programsFor, readKernelFacts } from '../../helper/tracing/attachModes';
import { CodeServer } from '../../tools/codeServer';
import { codeServerDir } from '../../tools/installCodeServer';
import { packagedExtension } from '../../tools/packagedExtension';
import { findRepoRoot } from '../../tools/repoRoot';
import { OrdinaryUser } from '../support/ordinaryUser';
import { SudoWithFaillock } from '../support/sudoWithFaillock';
import { UndoStack } from '../support/undoStack';
import { bindMountReadOnly, unmount } from '../support/e2e/bindMount';
import { helpersOf, helpersUnderSudo, isRunning, threadCredentials } from '../support/e2e/helperProcesses';
import { Workbench } from '../support/e2e/workbench';

const USER_NAME = 'st-e2e-user';
/** root's, reachable by every user: sudo's log and tallies, and the mount point of code-server's install. */
const MACHINE_DIR = '/run/syscall-trace-e2e';
const CODE_SERVER_MOUNT = path.join(MACHINE_DIR, 'code-server');
const PASSWORD_BOX_TITLE = 'Syscall Trace: sudo password';
/** pam_unix waits about 2 s after a wrong password before sudo may say so. */
const REFUSAL_WITHIN_MS = 3_000;
const CAP_PERFMON = 38n;

describe('tracing as an ordinary user who gives sudo their password', () => {
  const undo = new UndoStack();
  let user: OrdinaryUser;
  let sudo: SudoWithFaillock;
  let project: string;
  let server: CodeServer;
  let workbench: Workbench;
  /** The helper sudo started in step b. */
  let helper: number;

  const sudoHelpers = () => helpersUnderSudo(server.extensionsDir);
  const countInStatusBar = () => workbench.page.locator('#workbench\\.parts\\.statusbar [id$="syscallTrace.count"]');
  const passwordBox = () => workbench.quickInputTitled(PASSWORD_BOX_TITLE);
  const refusal = () => workbench.notification('sudo did not accept the password').filter({ has: tryAgainButton() });
  const tryAgainButton = () => workbench.page.getByRole('button', { name: 'Try Again' });
  const row = (text: string) => workbench.treeItem(workbench.tree('Deletions'), text);
  /** The counts in sudo's "N incorrect password attempt(s)" lines, in order. */
  const incorrectAttemptsLogged = () =>
    [...sudo.log().matchAll(/(\d+) incorrect password attempts?/g)].map((match) => Number(match[1]));

  /** Waits for the password box, enters `password` there and presses Enter; returns when Enter was pressed. */
  async function answerPasswordBox(password: string): Promise<number> {
    const input = passwordBox().locator('input[type="password"]');
    await input.fill(password);
    await input.press('Enter');
    return Date.now();
  }

  async function expectRefusalInTime(entered: number): Promise<void> {
    await refusal().waitFor({ timeout: Math.max(entered + REFUSAL_WITHIN_MS - Date.now(), 1) });
  }

  async function waitUntilTracing(): Promise<void> {
    await countInStatusBar().locator('.codicon-trash').waitFor();
    await expect.poll(sudoHelpers).toHaveLength(1);
  }

  beforeAll(async () => {
    // What a run that was killed left, in an order that lets each go: the
    // user's processes hold files in the mount.
    OrdinaryUser.removeLeftover(USER_NAME);
    removeMachineDir();
    fs.mkdirSync(MACHINE_DIR, { mode: 0o755 });
    undo.push(`removing ${MACHINE_DIR}`, removeMachineDir);

    bindMountReadOnly(codeServerDir(), CODE_SERVER_MOUNT);
    undo.push(`unmounting ${CODE_SERVER_MOUNT}`, () => unmount(CODE_SERVER_MOUNT));

    user = OrdinaryUser.create(USER_NAME);
    undo.push(`removing the user ${USER_NAME}`, () => user.remove());

    sudo = SudoWithFaillock.install(user.name, MACHINE_DIR, 'syscall-trace-e2e');
    undo.push('restoring sudo', () => sudo.remove());

    // In the user's home: every directory above the extension must be
    // writable by root or the user only, or the extension does not elevate.
    project = user.makeDirectory(path.join(user.home, 'project'));
    for (const name of ['first.txt', 'second.txt']) user.writeFile(path.join(project, name), 'text\n');

    server = await CodeServer.start({
      open: project,
      vsix: packagedExtension(findRepoRoot()),
      user,
      installDir: CODE_SERVER_MOUNT,
      // Rows named "rm (pid)": the process that deleted is what the test knows.
      settings: { 'syscallTrace.groupBy': 'process' },
    });
    workbench = await Workbench.open(server.url, server.password);
    await workbench.runCommand('Syscall Trace: Focus on Deletions View');
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await workbench?.screenshot(`failed sudo ${task.name}`);
  });

  afterAll(async () => {
    await workbench?.close();
    await server?.stop();
    // sudo is root's; it and the helper it started need not be in code-server's process group.
    for (const pid of server ? helpersOf(server.extensionsDir) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
    await undo.run();
  });

  it('a. a wrong password, dismissed: sudo logs one incorrect attempt, and tracing does not start', async () => {
    await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
    const entered = await answerPasswordBox(`not-${user.password}`);
    await expectRefusalInTime(entered);
    await workbench.screenshot('sudo-a-wrong-password');

    await workbench.closeNotification(refusal());
    await workbench.notification('sudo did not accept the password: tracing did not start').waitFor();
    // sudo logs the attempts when it ends. (pam_faillock's tally is not
    // checked here: how many failures it counts depends on how sudo is ended.)
    await expect.poll(incorrectAttemptsLogged).toEqual([1]);
    await expect.poll(() => helpersOf(server.extensionsDir)).toEqual([]);
  });

  it('b. after an administrator resets the lock: a wrong password, Try Again, the right one, and tracing starts', async () => {
    sudo.resetFailures();
    expect(sudo.failures()).toBe(0);

    await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
    await expectRefusalInTime(await answerPasswordBox(`not-${user.password}`));
    await tryAgainButton().click();
    await answerPasswordBox(user.password);
    await waitUntilTracing();
    helper = sudoHelpers()[0];
    await workbench.screenshot('sudo-b-tracing');
  });

  it("c. the helper runs as the user in every thread, with the user's group alone, no_new_privs, and at most CAP_PERFMON (tracepoint mode), with none of the extension host's environment", () => {
    expect(helper, 'no helper: tracing did not start in step b').toBeDefined();
    // env -i: what the helper reads, and nothing of code-server's or the user's.
    const environment = fs
      .readFileSync(`/proc/${helper}/environ`, 'utf8')
      .split('\0')
      .filter((variable) => variable !== '');
    expect(environment.sort()).toEqual([
      'ELECTRON_RUN_AS_NODE=1',
      'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
      `SUDO_GID=${user.gid}`,
      `SUDO_UID=${user.uid}`,
    ]);
    const allowed =
      programsFor(DEFAULT_MODE_CHOICE, readKernelFacts()) === 'tracepoint' ? [0n, 1n << CAP_PERFMON] : [0n];
    for (const thread of threadCredentials(helper)) {
      expect(thread.uids).toEqual([user.uid, user.uid, user.uid, user.uid]);
      expect(thread.gids).toEqual([user.gid, user.gid, user.gid, user.gid]);
      expect(thread.groups).toEqual([user.gid]);
      expect(thread.noNewPrivileges).toBe(true);
      expect(allowed).toContain(thread.effective);
      expect(allowed).toContain(thread.permitted);
    }
  });

  it("d. the user's own rm appears in the Deletions view", async () => {
    const rm = await user.run('rm', [path.join(project, 'first.txt')]);
    await row(`rm (${rm})`).waitFor();
  });

  it('e. Stop, then Start: no password asked, the same helper traces again', async () => {
    await workbench.runCommand('Syscall Trace: Stop Tracing');
    await countInStatusBar().locator('.codicon-debug-pause').waitFor();
    expect(isRunning(helper)).toBe(true);

    await workbench.runCommand('Syscall Trace: Start Tracing Deletions');
    // Were the password asked for, nobody would answer and tracing would not start.
    await waitUntilTracing();
    expect(await passwordBox().count()).toBe(0);
    expect(sudoHelpers()).toEqual([helper]);

    const rm = await user.run('rm', [path.join(project, 'second.txt')]);
    await row(`rm (${rm})`).waitFor();
  });
});

/** Also what a killed run left; never recursively while code-server's install is mounted inside. */
function removeMachineDir(): void {
  unmount(CODE_SERVER_MOUNT);
  fs.rmSync(MACHINE_DIR, { recursive: true, force: true });
}
