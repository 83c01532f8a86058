import { describe, expect, it } from 'vitest';

import { terminalOf } from '../../../../extension/view/terminals';
import { deletion } from '../../../support/deletionEvents';

const terminals = [
  { name: 'bash', pid: 100 },
  { name: 'Task - build', pid: 200 },
];

describe('terminalOf', () => {
  it('finds the terminal whose shell started the deleting process', () => {
    expect(
      terminalOf(
        deletion({
          path: '/tmp/a',
          pid: 300,
          ancestors: [
            { pid: 250, comm: 'make' },
            { pid: 200, comm: 'sh' },
          ],
        }),
        terminals,
      )?.name,
    ).toBe('Task - build');
  });

  it('finds the terminal whose shell deleted the file itself', () => {
    expect(
      terminalOf(deletion({ path: '/tmp/a', pid: 100, ancestors: [{ pid: 1, comm: 'code' }] }), terminals)?.name,
    ).toBe('bash');
  });

  it('finds nothing for a process outside every terminal', () => {
    expect(
      terminalOf(deletion({ path: '/tmp/a', pid: 5, ppid: 1, ancestors: [{ pid: 1, comm: 'systemd' }] }), terminals),
    ).toBeUndefined();
  });

  it('uses the parent pid where the ancestors are unknown', () => {
    expect(terminalOf(deletion({ path: '/tmp/a', pid: 5, ppid: 100, ancestors: [] }), terminals)?.name).toBe('bash');
  });
});
