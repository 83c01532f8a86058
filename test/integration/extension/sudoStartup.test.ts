// The extension's start of the helper through the real sudo (1.9, with PAM),
// as an ordinary user who is not root: the launcher's own code (a driver
// bundled from support/sudoStartupDriver.ts, run as that user) against
// /usr/bin/sudo, on a PAM stack that locks an account after 3 failed
// attempts (pam_faillock). It proves what docs/privileges.md, "Elevation", says
// of the sudo password: given beforehand, it is written once, at sudo's
// prompt, and nothing else is read by sudo as a password (sudo logs no
// failed attempt); a refusal is offered for another try within PAM's fail
// delay and a moment, and the right password then starts the helper and
// resets the lock; a refusal not tried again costs exactly one attempt in
// sudo's log and leaves nothing running; three refusals end at sudo's own
// limit with exactly three attempts; NOPASSWD asks nothing; sudoers'
// passprompt_override changes nothing (sudo takes our -p prompt as
// overriding PAM's in any case); and a sudo that says nothing in time is
// given up on. The helper that sudo starts runs as the user and traces the
// user's own rm.
//
// The test runs as root: it makes the user, the sudoers rule and the PAM
// stack itself (test/support/), and undoes them in afterAll, whether the
// tests passed or not; what a killed run left is removed first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_MODE_CHOICE } from '../../../common/protocol';
import { programsFor, readKernelFacts } from '../../../helper/tracing/attachModes';
import { PASSWORD_REFUSED_MESSAGE } from '../../../extension/launch/helperStartup';
import { OrdinaryUser } from '../../support/ordinaryUser';
import { SudoWithFaillock } from '../../support/sudoWithFaillock';
import { UndoStack } from '../../support/undoStack';
import { explainTimeout, type DriverResult, type DriverScenario } from '../../support/sudoStartupScenario';

/** Not the end-to-end test's user, drop-in or directory, so that the two never meet. */
const USER_NAME = 'st-int-user';
/** root's, readable by every user: the driver, sudo's log and the faillock tallies. */
const MACHINE_DIR = '/run/syscall-trace-integration';
const SUDOERS_DROP_IN = 'syscall-trace-integration';
const REPOSITORY = path.resolve(__dirname, '../../..');
/** pam_unix waits about 2 s after a wrong password before sudo asks again. */
const REFUSAL_WITHIN_MS = 3_000;
const CAP_PERFMON = 38n;

describe('starting the helper through the real sudo, as an ordinary user', () => {
  const undo = new UndoStack();
  let user: OrdinaryUser;
  let sudo: SudoWithFaillock;
  let driver: string;
  let helperScript: string;
  let project: string;

  /** Runs the driver as the user and returns its result. */
  async function drive(scenario: Omit<DriverScenario, 'helperScript'>): Promise<DriverResult> {
    const input: DriverScenario = { helperScript, ...scenario };
    const run = await user.runWithInput('/usr/bin/node', [driver], JSON.stringify(input));
    if (run.status !== 0) throw new Error(`the driver exited with ${run.status}:\n${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as DriverResult;
  }

  /** The counts in sudo's "N incorrect password attempt(s)" lines, in order. */
  const incorrectAttemptsLogged = () =>
    [...sudo.log().matchAll(/(\d+) incorrect password attempts?/g)].map((match) => Number(match[1]));

  /**
   * The environment the helper that sudo started was given, read (as root)
   * as soon as it runs, while `driving` has not settled: its command line
   * names the helper, and it is no longer sudo or env.
   */
  async function helperEnvironmentWhile(driving: Promise<unknown>): Promise<string[] | undefined> {
    let settled = false;
    void driving.finally(() => (settled = true));
    while (!settled) {
      for (const pid of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
        try {
          if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(helperScript)) continue;
          if (['sudo', 'env'].includes(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim())) continue;
          return fs
            .readFileSync(`/proc/${pid}/environ`, 'utf8')
            .split('\0')
            .filter((variable) => variable !== '');
        } catch {
          // it ended meanwhile
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  }

  /** The helper's status lines are the user's, with at most CAP_PERFMON (tracepoint mode) left. */
  function expectRunsAsUser(result: DriverResult): void {
    const ids = (line: string | undefined) => line?.split(/\s+/).map(Number);
    expect(ids(result.status?.uid)).toEqual([user.uid, user.uid, user.uid, user.uid]);
    expect(ids(result.status?.gid)).toEqual([user.gid, user.gid, user.gid, user.gid]);
    const allowed =
      programsFor(DEFAULT_MODE_CHOICE, readKernelFacts()) === 'tracepoint' ? [0n, 1n << CAP_PERFMON] : [0n];
    expect(allowed).toContain(BigInt(`0x${result.status?.capEff}`));
  }

  beforeAll(() => {
    OrdinaryUser.removeLeftover(USER_NAME);
    fs.rmSync(MACHINE_DIR, { recursive: true, force: true });
    fs.mkdirSync(MACHINE_DIR, { mode: 0o755 });
    undo.push(`removing ${MACHINE_DIR}`, () => fs.rmSync(MACHINE_DIR, { recursive: true, force: true }));

    user = OrdinaryUser.create(USER_NAME);
    undo.push(`removing the user ${USER_NAME}`, () => user.remove());

    sudo = SudoWithFaillock.install(user.name, MACHINE_DIR, SUDOERS_DROP_IN);
    undo.push('restoring sudo', () => sudo.remove());

    driver = path.join(MACHINE_DIR, 'driver.js');
    buildSync({
      entryPoints: [path.join(__dirname, '../../support/sudoStartupDriver.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile: driver,
      logLevel: 'warning',
    });

    // The launcher refuses files that others than root and the person can
    // change: the built helper is copied into the user's home, as theirs.
    const extension = path.join(user.home, 'extension');
    for (const file of ['dist/helper.js', 'dist/syscall_trace.node', 'dist/libbpf.so.1', 'package.json']) {
      const copy = path.join(extension, file);
      user.makeDirectory(path.dirname(copy));
      fs.copyFileSync(path.join(REPOSITORY, file), copy);
      fs.chownSync(copy, user.uid, user.gid);
    }
    helperScript = path.join(extension, 'dist/helper.js');
    project = user.makeDirectory(path.join(user.home, 'project'));
  });

  beforeEach(() => {
    sudo.clearLog();
    sudo.resetFailures();
  });

  afterEach(() => {
    // A sudo or a helper that a failed test left.
    user.endProcesses();
  });

  afterAll(async () => {
    await undo.run();
  });

  it('a. the right password, asked before sudo starts: the helper runs as the user and traces their rm; sudo logs no failed attempt', async () => {
    const file = user.writeFile(path.join(project, 'a.txt'), 'a\n');
    const result = await drive({ entry: 'launchHelper', passwords: [user.password], retries: [], fileToDelete: file });

    expect(result.outcome, result.log.join('\n')).toEqual({ ready: true });
    expect(result.passwordAsked).toHaveLength(1);
    expect(result.retryOffered).toEqual([]);
    expectRunsAsUser(result);
    expect(result.deletion?.event).toMatchObject({ path: file, pid: result.deletion?.rmPid, uid: user.uid, result: 0 });
    expect(sudo.log()).toContain(
      `COMMAND=/usr/bin/env -i ELECTRON_RUN_AS_NODE=1 PATH=/usr/sbin:/usr/bin:/sbin:/bin SUDO_UID=${user.uid} SUDO_GID=${user.gid} `,
    );
    expect(sudo.log()).not.toContain('incorrect password attempt');
    expect(sudo.failures()).toBe(0);
  });

  it('b. a wrong password, Try Again, the right one: offered again in time, started, and the lock reset', async () => {
    const result = await drive({
      entry: 'launchHelper',
      passwords: [`not-${user.password}`, user.password],
      retries: [true],
    });

    expect(result.outcome, result.log.join('\n')).toEqual({ ready: true });
    expect(result.passwordAsked).toHaveLength(2);
    expect(result.retryOffered).toHaveLength(1);
    expect(result.retryOffered[0].at - result.passwordAsked[0].answeredAt).toBeLessThan(REFUSAL_WITHIN_MS);
    expectRunsAsUser(result);
    // sudo logs a refusal that the right password followed as no failure at all.
    expect(sudo.log()).not.toContain('incorrect password attempt');
    expect(sudo.failures()).toBe(0);
  });

  it('c. a wrong password, not tried again: refused, exactly one attempt in sudo’s log, nothing left running', async () => {
    const result = await drive({ entry: 'launchHelper', passwords: [`not-${user.password}`], retries: [false] });

    expect(result.outcome).toEqual({ ready: false, error: 'LaunchError', message: PASSWORD_REFUSED_MESSAGE });
    expect(result.passwordAsked).toHaveLength(1);
    expect(result.retryOffered).toHaveLength(1);
    // The launcher reports once sudo has ended, so its log is complete.
    expect(incorrectAttemptsLogged()).toEqual([1]);
    expect(user.processes()).toEqual([]);
    // pam_faillock also counts the prompt whose stdin was closed (docs/privileges.md, "Elevation").
    expect(sudo.failures()).toBe(2);
  });

  it('d. three wrong passwords: sudo ends at its own limit, having read exactly three', async () => {
    const result = await drive({
      entry: 'launchHelper',
      passwords: ['not-1', 'not-2', 'not-3'],
      retries: [true, true],
    });

    expect(result.outcome).toEqual({
      ready: false,
      error: 'HelperEndedError',
      message: 'sudo: 3 incorrect password attempts',
    });
    expect(result.passwordAsked).toHaveLength(3);
    // No fourth prompt: nothing was offered after the third refusal.
    expect(result.retryOffered.map((offer) => offer.answer)).toEqual([true, true]);
    expect(incorrectAttemptsLogged()).toEqual([3]);
    expect(sudo.failures()).toBe(3);
    expect(user.processes()).toEqual([]);
  });

  it('e. a NOPASSWD rule: no password is asked, and the helper starts', async () => {
    sudo.setRules({ noPassword: true });
    try {
      const result = await drive({ entry: 'launchHelper', passwords: [], retries: [] });

      expect(result.outcome, result.log.join('\n')).toEqual({ ready: true });
      expect(result.passwordAsked).toEqual([]);
      expectRunsAsUser(result);
    } finally {
      sudo.setRules({});
    }
  });

  it('f. passprompt_override: sudo still shows our prompt (its -p), and the password starts the helper', async () => {
    sudo.setRules({ passpromptOverride: true });
    try {
      const result = await drive({ entry: 'launchHelper', passwords: [user.password], retries: [] });

      expect(result.outcome, result.log.join('\n')).toEqual({ ready: true });
      expect(result.passwordAsked).toHaveLength(1);
      expect(sudo.log()).not.toContain('incorrect password attempt');
    } finally {
      sudo.setRules({});
    }
  });

  it('g. sudo says nothing within the patience (its PAM stack stalls): given up on before any password is written', async () => {
    const patienceMs = 1500;
    const stallSeconds = 4;
    sudo.setAuthStall(stallSeconds);
    try {
      const result = await drive({ entry: 'startHelper', passwords: [user.password], retries: [], patienceMs });

      expect(result.outcome).toEqual({ ready: false, error: 'StartupTimeoutError', message: explainTimeout(false) });
      // Asked once, before sudo started, as the launcher asks; never at a prompt of sudo's.
      expect(result.passwordAsked).toHaveLength(1);
      expect(result.retryOffered).toEqual([]);
      const waited = result.settledAt - result.passwordAsked[0].answeredAt;
      expect(waited).toBeGreaterThanOrEqual(patienceMs);
      // Told without waiting for sudo, which holds SIGTERM while PAM stalls: at most 2 s of ending it.
      expect(waited).toBeLessThan(patienceMs + 2_500);
      expect(sudo.log()).not.toContain('incorrect password attempt');
      expect(user.processes()).toEqual([]);
    } finally {
      sudo.setAuthStall(undefined);
    }
  });

  it('h. the helper is given the launcher’s variables alone, even where sudoers keeps the extension host’s NODE_OPTIONS and another of its variables', async () => {
    sudo.setRules({ keepEnvironment: ['NODE_OPTIONS', 'UNRELATED'] });
    try {
      const driving = drive({
        entry: 'launchHelper',
        passwords: [user.password],
        retries: [],
        fileToDelete: user.writeFile(path.join(project, 'h.txt'), 'h\n'),
        extensionHostEnvironment: { NODE_OPTIONS: '--inspect-port=0', UNRELATED: 'from the extension host' },
      });
      const environment = await helperEnvironmentWhile(driving);
      const result = await driving;

      expect(result.outcome, result.log.join('\n')).toEqual({ ready: true });
      expect(environment?.sort()).toEqual([
        'ELECTRON_RUN_AS_NODE=1',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        `SUDO_GID=${user.gid}`,
        `SUDO_UID=${user.uid}`,
      ]);
      expectRunsAsUser(result);
    } finally {
      sudo.setRules({});
    }
  });
});
