// `install` and `uninstall`, for real, under a root of the test's own
// (--root): the files they copy and make, root's and changed by root alone;
// the unit, which systemd-analyze verify accepts as it is written; the
// recorder started from the copied files (this machine does not run
// systemd, so install starts it itself) and serving the uids it was given;
// install again adding uids and restarting it; uninstall stopping it and
// removing everything but the recorded history, unless asked to delete that
// too.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { PROTOCOL_VERSION, RECORDER_DATABASE_DEFAULT, RECORDER_SOCKET_DEFAULT } from '../../../common/protocol';
import { RECORDER_ACCOUNT, recorderAccount } from '../../../helper/recorder/accountSetup';
import { UndoStack } from '../../support/undoStack';
import { buildClientScript, connectRecorder, type ScriptClientResult } from '../../support/recorder';
import { makeScratchDirectory, removeScratchDirectory } from '../../support/scratch';

const REPOSITORY = path.resolve(__dirname, '../../..');
const INSTALLED = '/usr/local/lib/syscall-trace';
const UNIT = '/etc/systemd/system/syscall-trace-recorder.service';
const PID_FILE = '/run/syscall-trace/recorder.pid';
const NOBODY = 65534;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The copy of the built helper that the tests install from, made before
 * them: install takes the helper's files only from where no one but root and
 * their owner can write, and the repository may lie anywhere (a clone in
 * /tmp, say).
 */
let installable = '';

/** Runs the helper to install from (or `script`, another copy) with `args`, through `prefix` where given. */
function helper(
  args: string[],
  prefix: string[] = [],
  { script = installable, env = process.env }: { script?: string; env?: NodeJS.ProcessEnv } = {},
): Ran {
  const command = [...prefix, process.execPath, script, ...args];
  const ran = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 120_000, env });
  return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr };
}

function modeOf(file: string): { uid: number; gid: number; mode: string } {
  const stat = fs.lstatSync(file);
  return { uid: stat.uid, gid: stat.gid, mode: (stat.mode & 0o7777).toString(8) };
}

/** Copies the built helper's files into `directory`, as install finds them beside helper.js; returns the copy of helper.js. */
function copyHelperInto(directory: string): string {
  for (const file of ['helper.js', 'syscall_trace.node', 'libbpf.so.1', 'libsqlite3.so.0'])
    fs.copyFileSync(path.join(REPOSITORY, 'dist', file), path.join(directory, file));
  fs.copyFileSync(path.join(REPOSITORY, 'package.json'), path.join(directory, 'package.json'));
  return path.join(directory, 'helper.js');
}

/** The pid in the installed recorder's pid file, where it runs. */
function runningRecorder(root: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(root, PID_FILE), 'utf8'));
    return fs.existsSync(`/proc/${pid}`) && !/ Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) ? pid : undefined;
  } catch {
    return undefined;
  }
}

describe('install and uninstall', () => {
  const undo = new UndoStack();
  let root: string;
  let scriptDirectory: string;
  let script: string;

  beforeAll(() => {
    scriptDirectory = makeScratchDirectory();
    script = buildClientScript(scriptDirectory);
    // In /run, which only root can write, as install would have it.
    const helperDirectory = fs.mkdtempSync('/run/syscall-trace-installable-');
    fs.chmodSync(helperDirectory, 0o755);
    installable = copyHelperInto(helperDirectory);
    return () => {
      removeScratchDirectory(scriptDirectory);
      fs.rmSync(helperDirectory, { recursive: true, force: true });
    };
  });

  beforeEach(() => {
    root = makeScratchDirectory();
    fs.chmodSync(root, 0o755);
    undo.push(`removing ${root}`, () => removeScratchDirectory(root));
    // A recorder that install started is ended, whatever the test came to.
    undo.push('ending the installed recorder', () => {
      const pid = runningRecorder(root);
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    });
    // systemd-analyze verify, under --root, looks for the units a service depends on (sysinit.target, ...) there.
    fs.mkdirSync(path.join(root, 'usr/lib/systemd'), { recursive: true });
    fs.cpSync('/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), {
      recursive: true,
      verbatimSymlinks: true,
    });
  });

  afterEach(() => undo.run());

  function verifyUnit(): { status: number | null; output: string } {
    const ran = spawnSync('systemd-analyze', ['verify', `--root=${root}`, UNIT], { encoding: 'utf8' });
    return { status: ran.status, output: ran.stdout + ran.stderr };
  }

  it("copies the helper and a runtime as root's, writes a unit that systemd-analyze verify accepts, and starts the recorder", async () => {
    // What an earlier install left root's: handed to the recorder's account with the directory.
    const state = path.join(root, path.dirname(RECORDER_DATABASE_DEFAULT));
    fs.mkdirSync(path.dirname(state), { recursive: true, mode: 0o755 });
    fs.mkdirSync(state, { mode: 0o700 });
    fs.writeFileSync(path.join(root, RECORDER_DATABASE_DEFAULT), '', { mode: 0o600 });
    const installed = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', process.execPath]);
    expect(installed.stderr).toBe('');
    expect(installed.status).toBe(0);
    const at = (file: string): string => path.join(root, file);
    expect(installed.stdout.split('\n')).toEqual([
      `copied helper.js, syscall_trace.node, libbpf.so.1, libsqlite3.so.0, package.json into ${at(INSTALLED)}`,
      expect.stringMatching(
        new RegExp(
          `^runtime: a copy of ${process.execPath} \\(Node.js \\d+\\.\\d+\\.\\d+\\) in ${at(INSTALLED)}/runtime/node$`,
        ),
      ),
      `wrote ${at(UNIT)}: the recorder admits root (every user's deletions) and uid 4242 (their own processes' deletions)`,
      expect.stringMatching(
        /^started the recorder \(pid \d+, log .*\); this system does not run systemd, so it will not start again after a reboot: run install again then$/,
      ),
      '',
    ]);

    const root0644 = { uid: 0, gid: 0, mode: '644' };
    for (const file of ['helper.js', 'syscall_trace.node', 'libbpf.so.1', 'libsqlite3.so.0', 'package.json']) {
      expect({ file, ...modeOf(at(`${INSTALLED}/${file}`)) }).toEqual({ file, ...root0644 });
      expect(
        fs
          .readFileSync(at(`${INSTALLED}/${file}`))
          .equals(fs.readFileSync(path.join(REPOSITORY, file === 'package.json' ? '' : 'dist', file))),
      ).toBe(true);
    }
    expect(modeOf(at(`${INSTALLED}/runtime/node`))).toEqual({ uid: 0, gid: 0, mode: '755' });
    expect(modeOf(at(INSTALLED))).toEqual({ uid: 0, gid: 0, mode: '755' });
    expect(modeOf(at(`${INSTALLED}/runtime`))).toEqual({ uid: 0, gid: 0, mode: '755' });
    expect(modeOf(at(UNIT))).toEqual(root0644);
    // The recorder's own account's: it writes there once loaded, and nothing of root's.
    const account = recorderAccount(RECORDER_ACCOUNT);
    expect(modeOf(at(path.dirname(RECORDER_DATABASE_DEFAULT)))).toEqual({
      uid: account.uid,
      gid: account.gid,
      mode: '700',
    });
    expect(modeOf(at(path.dirname(RECORDER_SOCKET_DEFAULT)))).toEqual({
      uid: account.uid,
      gid: account.gid,
      mode: '755',
    });
    expect(modeOf(at(RECORDER_DATABASE_DEFAULT))).toEqual({ uid: account.uid, gid: account.gid, mode: '600' });

    const unit = fs.readFileSync(at(UNIT), 'utf8');
    expect(unit).toContain(
      `\nExecStart=${INSTALLED}/runtime/node ${INSTALLED}/helper.js record --db ${RECORDER_DATABASE_DEFAULT} --socket ${RECORDER_SOCKET_DEFAULT} --allow-uid 4242\n`,
    );
    expect(unit).toContain('\nWantedBy=multi-user.target\n');
    expect(verifyUnit()).toEqual({ status: 0, output: '' });

    // The recorder runs from the copies, on the database and socket under the root.
    const pid = runningRecorder(root);
    expect(pid).toBeDefined();
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3)).toEqual([
      at(`${INSTALLED}/runtime/node`),
      at(`${INSTALLED}/helper.js`),
      'record',
    ]);
    const client = await connectRecorder(at(RECORDER_SOCKET_DEFAULT));
    const initialized = await client.initialize();
    client.dispose();
    expect(initialized.pid).toBe(pid);
    expect(initialized.recorder?.database).toBe(at(RECORDER_DATABASE_DEFAULT));
    expect(initialized.helperVersion).toBe(
      (JSON.parse(fs.readFileSync(path.join(REPOSITORY, 'package.json'), 'utf8')) as { version: string }).version,
    );
    const asAdmitted = execFileSync(
      'setpriv',
      [
        '--reuid=4242',
        '--regid=4242',
        '--clear-groups',
        '--',
        process.execPath,
        script,
        at(RECORDER_SOCKET_DEFAULT),
        JSON.stringify([{ method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION } }]),
      ],
      { encoding: 'utf8' },
    );
    expect((JSON.parse(asAdmitted) as ScriptClientResult).messages[0]).toMatchObject({ id: 1, result: { pid } });
  });

  it('installed again, adds the uids and groups to those admitted and restarts the recorder; uninstalled, stops it and keeps only the history', async () => {
    const at = (file: string): string => path.join(root, file);
    expect(
      helper(['install', '--allow-uid', '4242', '--allow-group', 'adm', '--root', root, '--runtime', process.execPath])
        .status,
    ).toBe(0);
    const first = runningRecorder(root);
    const again = helper(['install', '--allow-uid', '4343', '--root', root, '--runtime', process.execPath]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain(
      `wrote ${at(UNIT)}: the recorder admits root and the members of group adm (every user's deletions) and uid 4242, 4343 (their own processes' deletions)\n`,
    );
    expect(again.stdout).toContain(`stopped the recorder that ran before (pid ${first})\n`);
    const second = runningRecorder(root);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(
      fs.existsSync(`/proc/${first}/cmdline`) && fs.readFileSync(`/proc/${first}/cmdline`, 'utf8').includes('record'),
    ).toBe(false);
    expect(fs.readFileSync(at(UNIT), 'utf8')).toContain('--allow-uid 4242 --allow-uid 4343 --allow-group adm\n');
    expect(fs.readFileSync(`/proc/${second}/cmdline`, 'utf8').split('\0')).toEqual(
      expect.arrayContaining(['--allow-group', 'adm']),
    );

    const uninstalled = helper(['uninstall', '--root', root]);
    expect(uninstalled.stderr).toBe('');
    expect(uninstalled.status).toBe(0);
    expect(uninstalled.stdout.split('\n')).toEqual([
      `stopped the recorder (pid ${second})`,
      `removed ${at(UNIT)}`,
      `removed ${at(INSTALLED)}`,
      `kept the recorded history in ${at(path.dirname(RECORDER_DATABASE_DEFAULT))} (uninstall --delete-history deletes it)`,
      '',
    ]);
    expect(runningRecorder(root)).toBeUndefined();
    expect(fs.existsSync(at(UNIT))).toBe(false);
    expect(fs.existsSync(at(INSTALLED))).toBe(false);
    expect(fs.existsSync(at(RECORDER_SOCKET_DEFAULT))).toBe(false);
    expect(fs.existsSync(at(RECORDER_DATABASE_DEFAULT))).toBe(true);

    const deleted = helper(['uninstall', '--delete-history', '--root', root]);
    expect(deleted.status).toBe(0);
    expect(deleted.stdout).toBe(`deleted the recorded history: ${at(path.dirname(RECORDER_DATABASE_DEFAULT))}\n`);
    expect(fs.existsSync(at(path.dirname(RECORDER_DATABASE_DEFAULT)))).toBe(false);
  });

  it("runs the recorder with the system's Node where it is root's alone, and with a copy where others may change it", () => {
    const systemNode = path.join(root, 'usr/bin/node');
    fs.mkdirSync(path.dirname(systemNode), { recursive: true });
    fs.copyFileSync(process.execPath, systemNode);
    fs.chmodSync(systemNode, 0o755);
    const installed = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', process.execPath]);
    expect(installed.status).toBe(0);
    expect(installed.stdout).toMatch(
      new RegExp(`\nruntime: ${systemNode} \\(Node.js \\d+\\.\\d+\\.\\d+\\), the system's\n`),
    );
    expect(fs.readFileSync(path.join(root, UNIT), 'utf8')).toContain(
      `\nExecStart=/usr/bin/node ${INSTALLED}/helper.js record `,
    );
    expect(fs.existsSync(path.join(root, INSTALLED, 'runtime'))).toBe(false);
    expect(verifyUnit()).toEqual({ status: 0, output: '' });

    fs.chmodSync(systemNode, 0o775);
    const again = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', process.execPath]);
    expect(again.status).toBe(0);
    expect(fs.readFileSync(path.join(root, UNIT), 'utf8')).toContain(
      `\nExecStart=${INSTALLED}/runtime/node ${INSTALLED}/helper.js record `,
    );
  });

  it('refuses to run as another user than root, in one line, with status 1', () => {
    for (const command of [
      ['install', '--allow-uid', '4242', '--root', root],
      ['uninstall', '--root', root],
    ]) {
      const ran = helper(command, ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--']);
      expect(ran.status).toBe(1);
      expect(ran.stderr).toMatch(new RegExp(`^syscall-trace: ${command[0]} must run as root: sudo .*\n$`));
      expect(ran.stdout).toBe('');
    }
    expect(fs.existsSync(path.join(root, INSTALLED))).toBe(false);
  });

  it('says what it needs, with its usage and status 2, for a wrong or missing option', () => {
    const missing = helper(['install', '--root', root]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(
      /^syscall-trace: install needs --allow-uid or --allow-group: .*\nusage: node dist\/helper.js install \[--allow-uid UID\]/,
    );
    const wrong = helper(['install', '--allow-uid', 'alice', '--root', root]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(
      /^syscall-trace: --allow-uid must be a uid, a whole number from 0 to 4294967294, not "alice"\n/,
    );
    expect(helper(['uninstall', '--everything']).status).toBe(2);
    expect(fs.existsSync(path.join(root, INSTALLED))).toBe(false);
  });

  it('refuses a group name that /etc/group does not hold, before writing anything: it would admit no one', () => {
    const ran = helper(['install', '--allow-group', 'st-no-such-group', '--root', root, '--runtime', process.execPath]);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toBe(
      'syscall-trace: no group named st-no-such-group in /etc/group: make it first (groupadd), or give its gid\n',
    );
    expect(fs.existsSync(path.join(root, INSTALLED))).toBe(false);
  });

  describe('given what another user could have arranged', () => {
    /** A directory that only root can write, as /run is: install takes the helper's files from there. */
    let trusted: string;
    beforeEach(() => {
      trusted = fs.mkdtempSync('/run/syscall-trace-install-test-');
      fs.chmodSync(trusted, 0o755);
      undo.push(`removing ${trusted}`, () => fs.rmSync(trusted, { recursive: true, force: true }));
    });

    it('refuses a helper whose dist/libsqlite3.so.0 is a symbolic link to /etc/shadow, and copies nothing', () => {
      const script = copyHelperInto(trusted);
      fs.rmSync(path.join(trusted, 'libsqlite3.so.0'));
      fs.symlinkSync('/etc/shadow', path.join(trusted, 'libsqlite3.so.0'));
      const ran = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', process.execPath], [], {
        script,
      });
      expect(ran.status).toBe(1);
      expect(ran.stderr).toBe(
        `syscall-trace: ${trusted}/libsqlite3.so.0 is a symbolic link (to /etc/shadow): install copies no link, since what it names would become root's and readable by everyone; install from the helper's own files\n`,
      );
      expect(fs.existsSync(path.join(root, INSTALLED))).toBe(false);
      expect(fs.existsSync(path.join(root, UNIT))).toBe(false);
    });

    it('refuses a helper in a directory every user can write, even a sticky one such as /tmp, and copies nothing', () => {
      const shared = path.join(trusted, 'shared');
      fs.mkdirSync(shared);
      fs.chmodSync(shared, 0o1777);
      const script = copyHelperInto(shared);
      const ran = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', process.execPath], [], {
        script,
      });
      expect(ran.status).toBe(1);
      expect(ran.stderr).toBe(
        `syscall-trace: ${shared}/helper.js lies in ${shared}, which users other than its owner can write (mode 1777): the file there may be one of theirs; install from where only root and the helper's owner can write\n`,
      );
      expect(fs.existsSync(path.join(root, INSTALLED))).toBe(false);
    });

    it('refuses a runtime given as a symbolic link, and copies nothing of what it names', () => {
      const link = path.join(trusted, 'node');
      fs.symlinkSync('/etc/shadow', link);
      const ran = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', link]);
      expect(ran.status).toBe(1);
      expect(ran.stderr).toMatch(
        new RegExp(`^syscall-trace: ${link} is a symbolic link \\(to /etc/shadow\\): install copies no link`),
      );
      expect(fs.existsSync(path.join(root, INSTALLED, 'runtime'))).toBe(false);
    });

    it('runs systemctl by its absolute path, never one found first in PATH', () => {
      // Where systemd runs (under the root, for install), install runs systemctl.
      fs.mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
      const bin = path.join(trusted, 'bin');
      const ranFromPath = path.join(trusted, 'ran-from-path');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\ntouch ${ranFromPath}\n`, { mode: 0o755 });
      const ran = helper(['install', '--allow-uid', '4242', '--root', root, '--runtime', process.execPath], [], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(fs.existsSync(ranFromPath)).toBe(false);
      // This machine does not run systemd: the real systemctl says it cannot operate.
      expect({ status: ran.status, stderr: ran.stderr }).toEqual({
        status: 1,
        stderr: expect.stringMatching(/^syscall-trace: systemctl daemon-reload failed: /),
      });
    });
  });
});
