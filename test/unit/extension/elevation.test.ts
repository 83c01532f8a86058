import { describe, expect, it } from 'vitest';

import { elevationMethods } from '../../../extension/elevation';
import { helperCommandLine } from '../../../extension/helperProcess';
import { SUDO_PROMPT_MARKER } from '../../../extension/startupConversation';

const nothing = { isRoot: false, polkitAgentRunning: false };

describe('how the helper gets root', () => {
  it('starts directly when the extension host is root', () => {
    expect(elevationMethods('auto', { ...nothing, isRoot: true, sudoInstalled: true })).toEqual(['direct']);
  });

  it('tries pkexec where a polkit agent runs, then sudo', () => {
    expect(elevationMethods('auto', { ...nothing, pkexecInstalled: true, polkitAgentRunning: true, sudoInstalled: true })).toEqual(['pkexec', 'sudo']);
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

  it('runs the helper on the extension host’s own runtime, in the attach mode asked for', () => {
    expect(helperCommandLine('direct', runtime, 'raw')).toEqual({ command: '/opt/code/code', args: helper.slice(1) });
  });

  it('runs pkexec and env by their fixed paths, setting ELECTRON_RUN_AS_NODE again after pkexec cleared the environment', () => {
    expect(helperCommandLine('pkexec', runtime, 'raw')).toEqual({ command: '/usr/bin/pkexec', args: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', ...helper] });
  });

  it('has /usr/bin/sudo read the password from stdin at our own prompt, keeping cached credentials', () => {
    expect(helperCommandLine('sudo', runtime, 'tracepoint-without-32-bit')).toEqual({
      command: '/usr/bin/sudo',
      args: ['-S', '-p', SUDO_PROMPT_MARKER, '--', '/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/opt/code/code', '/ext/dist/helper.js', '--stdio', '--mode', 'tracepoint-without-32-bit'],
    });
  });

  it('passes the queue’s size as --queue-mib where the setting gives one', () => {
    expect(helperCommandLine('direct', runtime, 'raw', 128)).toEqual({ command: '/opt/code/code', args: [...helper.slice(1), '--queue-mib', '128'] });
  });

  it('gives sudo a prompt with no % escape for it to expand', () => {
    expect(SUDO_PROMPT_MARKER).not.toContain('%');
    expect(SUDO_PROMPT_MARKER).not.toContain('\n');
  });
});
