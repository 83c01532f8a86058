import { describe, expect, it } from 'vitest';

import { RETAIN_DAYS_DEFAULT } from '../../../../common/protocol';
import { noElevationMessage } from '../../../../extension/launch/elevation';
import { elevatedCommandLine, helperCommandLine, helperEnvironment } from '../../../../extension/launch/helperProcess';
import {
  doneSentences,
  INSTALLING,
  installArgs,
  installConfirmation,
  setupOutcome,
  STOP_AND_DELETE_HISTORY,
  STOP_RECORDING,
  uninstallArgs,
  uninstallConfirmation,
} from '../../../../extension/recorder/installSteps';
import { SUDO_PROMPT_MARKER } from '../../../../extension/launch/startupConversation';
import { fixedProgramProblem } from '../../../../extension/launch/trustedFiles';

const runtime = { execPath: '/opt/code/code', helperScript: '/ext/dist/helper.js' };
const install = (method: 'direct' | 'pkexec' | 'sudo', uid = 1000) =>
  elevatedCommandLine(method, runtime, installArgs(uid, runtime));

describe('installing the recorder: the command line root runs', () => {
  const installHelper = [
    '/opt/code/code',
    '/ext/dist/helper.js',
    'install',
    '--allow-uid',
    '1000',
    '--runtime',
    '/opt/code/code',
  ];

  it('runs the extension’s helper on its own runtime, admits the person, and offers that runtime for the service', () => {
    expect(install('direct')).toMatchObject({ command: '/opt/code/code', args: installHelper.slice(1) });
  });

  it('goes through /usr/bin/sudo at our own prompt, as the helper does, with /usr/bin/env -i giving the helper its environment', () => {
    expect(install('sudo')).toEqual({
      command: '/usr/bin/sudo',
      args: [
        '-S',
        '-p',
        SUDO_PROMPT_MARKER,
        '--',
        '/usr/bin/env',
        '-i',
        ...Object.entries(helperEnvironment('sudo')).map(([name, value]) => `${name}=${value}`),
        ...installHelper,
      ],
    });
  });

  it('goes through /usr/bin/pkexec where that is the method', () => {
    expect(install('pkexec')).toEqual({
      command: '/usr/bin/pkexec',
      args: [
        '/usr/bin/env',
        '-i',
        ...Object.entries(helperEnvironment('pkexec')).map(([name, value]) => `${name}=${value}`),
        ...installHelper,
      ],
    });
  });

  it('admits the uid of whoever runs VS Code', () => {
    expect(install('direct', 1234).args).toEqual([
      '/ext/dist/helper.js',
      'install',
      '--allow-uid',
      '1234',
      '--runtime',
      '/opt/code/code',
    ]);
  });

  it('is the same elevation the long-lived helper gets, with other arguments', () => {
    const helper = helperCommandLine('sudo', runtime, 'raw');
    const shared = (args: string[]) => args.slice(0, args.indexOf('/ext/dist/helper.js') + 1);
    expect(shared(install('sudo').args)).toEqual(shared(helper.args));
  });
});

describe('stopping the recorder: the command line root runs', () => {
  it('uninstalls and keeps the history with Stop Recording', () => {
    expect(elevatedCommandLine('direct', runtime, uninstallArgs(false))).toMatchObject({
      command: '/opt/code/code',
      args: ['/ext/dist/helper.js', 'uninstall'],
    });
  });

  it('also deletes the history with Stop and Delete History', () => {
    expect(elevatedCommandLine('sudo', runtime, uninstallArgs(true)).args.slice(-3)).toEqual([
      '/ext/dist/helper.js',
      'uninstall',
      '--delete-history',
    ]);
  });
});

describe('what the person is told', () => {
  it('before installing: a root service, every deletion of the machine with its command line, where, how long, how much, and who can read what', () => {
    const { message, detail } = installConfirmation('ada, uid 1000');
    expect(message).toContain('every deletion on this machine');
    expect(detail).toContain(
      'starts as root to load its tracing programs, then runs as a system user of its own (syscall-trace)',
    );
    expect(detail).toContain('/var/lib/syscall-trace/');
    expect(detail).toContain(`${RETAIN_DAYS_DEFAULT} days`);
    expect(detail).toContain('1 GiB');
    expect(detail).toContain('with the command line of the process that made it');
    expect(detail).toContain(
      'Root, and the members of groups an administrator allows (install --allow-group), can read all of it, command lines included',
    );
    expect(detail).toContain('you (ada, uid 1000) can read the deletions of your own processes only');
    expect(detail).toContain('/usr/local/lib/syscall-trace');
    expect(detail).toContain('/etc/systemd/system/syscall-trace-recorder.service');
  });

  it('before stopping: what each choice does with the history', () => {
    const { detail } = uninstallConfirmation();
    expect(detail).toContain(`${STOP_RECORDING} keeps the history`);
    expect(detail).toContain(`${STOP_AND_DELETE_HISTORY} deletes it`);
  });

  it('where nothing can elevate, in the words of installing, with the terminal command instead', () => {
    const message = noElevationMessage(INSTALLING);
    expect(message).toMatch(/^Installing the recorder needs root/);
    expect(message).toContain('sudo node <extension>/dist/helper.js install --allow-uid $(id -u)');
  });

  it('where sudo cannot be trusted, that the recorder was not installed', () => {
    expect(fixedProgramProblem('/nonexistent/sudo', INSTALLING)).toBe(
      '/nonexistent/sudo does not exist, and Syscall Trace runs sudo from there only: the recorder was not installed.',
    );
  });
});

describe('how install or uninstall ended', () => {
  const exited = (code: number | null, signal: NodeJS.Signals | null = null) => ({ code, signal });

  it('status 0: what it did, line by line, as it printed them', () => {
    const stdout = 'copied the helper into /usr/local/lib/syscall-trace\n\nstarted the recorder (pid 42)\n';
    expect(setupOutcome({ exit: exited(0), stdout, stderrLines: [] })).toEqual({
      succeeded: true,
      lines: ['copied the helper into /usr/local/lib/syscall-trace', 'started the recorder (pid 42)'],
    });
  });

  it('another status: the last line it wrote on stderr, which says why', () => {
    const stderrLines = [
      'syscall-trace: checking /usr/bin/node',
      'syscall-trace: /usr/local/lib is writable by group staff',
      '',
    ];
    expect(setupOutcome({ exit: exited(1), stdout: '', stderrLines })).toEqual({
      succeeded: false,
      reason: 'syscall-trace: /usr/local/lib is writable by group staff',
    });
  });

  it('a command that said nothing: how it ended', () => {
    expect(setupOutcome({ exit: exited(null, 'SIGKILL'), stdout: 'copied\n', stderrLines: [] })).toEqual({
      succeeded: false,
      reason: 'it was killed by SIGKILL',
    });
    expect(setupOutcome({ exit: exited(3), stdout: '', stderrLines: [] })).toEqual({
      succeeded: false,
      reason: 'it exited with status 3',
    });
  });
});

describe('what install said it did, in the notification', () => {
  it('reads as sentences, one per line it printed', () => {
    expect(
      doneSentences([
        'copied helper.js into /usr/local/lib/syscall-trace',
        'started the recorder (pid 42); it will not start again after a reboot.',
      ]),
    ).toBe(
      'Copied helper.js into /usr/local/lib/syscall-trace. Started the recorder (pid 42); it will not start again after a reboot.',
    );
  });
});
