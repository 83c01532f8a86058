import { describe, expect, it } from 'vitest';

import { elevationMethods } from '../../../../extension/launch/elevation';
import { elevatedCommandLine, helperCommandLine, helperEnvironment } from '../../../../extension/launch/helperProcess';
import { SUDO_PROMPT_MARKER } from '../../../../extension/launch/startupConversation';

const nothing = { isRoot: false, polkitAgentRunning: false };

describe('how the helper gets root', () => {
  it('starts directly when the extension host is root', () => {
    expect(elevationMethods('auto', { ...nothing, isRoot: true, sudoInstalled: true })).toEqual(['direct']);
  });

  it('tries pkexec where a polkit agent runs, then sudo', () => {
    expect(
      elevationMethods('auto', { ...nothing, pkexecInstalled: true, polkitAgentRunning: true, sudoInstalled: true }),
    ).toEqual(['pkexec', 'sudo']);
  });

  it('skips pkexec when no polkit agent could ask for the password', () => {
    expect(elevationMethods('auto', { ...nothing, pkexecInstalled: true, sudoInstalled: true })).toEqual(['sudo']);
  });

  it('has no method when neither is possible', () => {
    expect(elevationMethods('auto', { ...nothing, pkexecInstalled: true })).toEqual([]);
  });

  it('uses the method the setting names', () => {
    expect(elevationMethods('sudo', { ...nothing, isRoot: true })).toEqual(['sudo']);
  });
});

describe('the helper’s command line', () => {
  const runtime = { execPath: '/opt/code/code', helperScript: '/ext/dist/helper.js' };
  const helper = ['/opt/code/code', '/ext/dist/helper.js', '--stdio', '--mode', 'raw'];
  const uid = String(process.getuid!());
  const gid = String(process.getgid!());

  it('runs the helper on the extension host’s own runtime, in the attach mode asked for', () => {
    expect(helperCommandLine('direct', runtime, 'raw')).toMatchObject({
      command: '/opt/code/code',
      args: helper.slice(1),
    });
  });

  it('runs pkexec and env by their fixed paths, env starting the helper from an empty environment with ELECTRON_RUN_AS_NODE, PATH and the person’s uid', () => {
    expect(helperCommandLine('pkexec', runtime, 'raw')).toEqual({
      command: '/usr/bin/pkexec',
      args: [
        '/usr/bin/env',
        '-i',
        'ELECTRON_RUN_AS_NODE=1',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        `PKEXEC_UID=${uid}`,
        ...helper,
      ],
    });
  });

  it('has /usr/bin/sudo read the password from stdin at our own prompt, keeping cached credentials, and env start the helper from an empty environment', () => {
    expect(helperCommandLine('sudo', runtime, 'tracepoint-without-32-bit')).toEqual({
      command: '/usr/bin/sudo',
      args: [
        '-S',
        '-p',
        SUDO_PROMPT_MARKER,
        '--',
        '/usr/bin/env',
        '-i',
        'ELECTRON_RUN_AS_NODE=1',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        `SUDO_UID=${uid}`,
        `SUDO_GID=${gid}`,
        '/opt/code/code',
        '/ext/dist/helper.js',
        '--stdio',
        '--mode',
        'tracepoint-without-32-bit',
      ],
    });
  });

  it('names the person the helper becomes by the uid and gid given', () => {
    expect(elevatedCommandLine('sudo', runtime, ['--stdio'], { uid: 1000, gid: 1001 }).args).toContain('SUDO_GID=1001');
    expect(elevatedCommandLine('pkexec', runtime, ['--stdio'], { uid: 1000, gid: 1001 }).args).toContain(
      'PKEXEC_UID=1000',
    );
  });

  it('passes the queue’s size as --queue-mib where the setting gives one', () => {
    expect(helperCommandLine('direct', runtime, 'raw', 128)).toMatchObject({
      command: '/opt/code/code',
      args: [...helper.slice(1), '--queue-mib', '128'],
    });
  });

  it('gives sudo a prompt with no % escape for it to expand', () => {
    expect(SUDO_PROMPT_MARKER).not.toContain('%');
    expect(SUDO_PROMPT_MARKER).not.toContain('\n');
  });
});

describe('the helper’s environment', () => {
  const person = { uid: 1000, gid: 1000 };
  const host = {
    NODE_OPTIONS: '--inspect=0.0.0.0:9229',
    LD_PRELOAD: '/home/person/evil.so',
    UNRELATED: 'x',
    SUDO_UID: '1000',
    SYSCALL_TRACE_PROGRAMS: 'older',
    HOME: '/home/person',
  };

  it('under sudo and pkexec is what the helper reads and nothing of the extension host’s', () => {
    expect(helperEnvironment('sudo', person, host)).toEqual({
      ELECTRON_RUN_AS_NODE: '1',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      SUDO_UID: '1000',
      SUDO_GID: '1000',
    });
    expect(helperEnvironment('pkexec', person, host)).toEqual({
      ELECTRON_RUN_AS_NODE: '1',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      PKEXEC_UID: '1000',
    });
  });

  it('started directly by a root extension host, is the same, with who that host was started for and the SYSCALL_TRACE_ variables passed on', () => {
    expect(helperEnvironment('direct', person, host)).toEqual({
      ELECTRON_RUN_AS_NODE: '1',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      SUDO_UID: '1000',
      SYSCALL_TRACE_PROGRAMS: 'older',
    });
    expect(
      helperCommandLine('direct', { execPath: '/opt/code/code', helperScript: '/ext/dist/helper.js' }, 'raw').env,
    ).not.toHaveProperty('NODE_OPTIONS');
  });
});
