import { describe, expect, it } from 'vitest';

import { elevationMethods } from '../../../extension/elevation';
import { helperCommandLine } from '../../../extension/helperProcess';

const nothing = { isRoot: false, polkitAgentRunning: false };

describe('how the helper gets root', () => {
  it('starts directly when the extension host is root', () => {
    expect(elevationMethods('auto', { ...nothing, isRoot: true, sudo: '/usr/bin/sudo' })).toEqual(['direct']);
  });

  it('tries pkexec where a polkit agent runs, then sudo', () => {
    expect(elevationMethods('auto', { ...nothing, pkexec: '/usr/bin/pkexec', polkitAgentRunning: true, sudo: '/usr/bin/sudo' })).toEqual(['pkexec', 'sudo']);
  });

  it('skips pkexec when no polkit agent could ask for the password', () => {
    expect(elevationMethods('auto', { ...nothing, pkexec: '/usr/bin/pkexec', sudo: '/usr/bin/sudo' })).toEqual(['sudo']);
  });

  it('has no method when neither is possible', () => {
    expect(elevationMethods('auto', { ...nothing, pkexec: '/usr/bin/pkexec' })).toEqual([]);
  });

  it('uses the method the setting names', () => {
    expect(elevationMethods('sudo', { ...nothing, isRoot: true })).toEqual(['sudo']);
  });
});

describe('the helper’s command line', () => {
  const runtime = { execPath: '/opt/code/code', helperScript: '/ext/dist/helper.js', env: '/usr/bin/env' };

  it('runs the helper on the extension host’s own runtime', () => {
    expect(helperCommandLine('direct', runtime)).toEqual({ command: '/opt/code/code', args: ['/ext/dist/helper.js', '--stdio'] });
  });

  it('sets ELECTRON_RUN_AS_NODE again under pkexec, which clears the environment', () => {
    expect(helperCommandLine('pkexec', { ...runtime, pkexec: '/usr/bin/pkexec' })).toEqual({
      command: '/usr/bin/pkexec',
      args: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/opt/code/code', '/ext/dist/helper.js', '--stdio'],
    });
  });

  it('has sudo read a password from stdin, with no prompt and no cached credentials, when one is given', () => {
    expect(helperCommandLine('sudo', runtime, true).args.slice(0, 5)).toEqual(['-k', '-S', '-p', '', '--']);
  });

  it('forbids sudo to ask when no password is given', () => {
    expect(helperCommandLine('sudo', runtime, false).args.slice(0, 2)).toEqual(['-n', '--']);
  });
});
