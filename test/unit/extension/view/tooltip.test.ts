import { describe, expect, it } from 'vitest';

import { deletionTooltip } from '../../../../extension/view/tooltip';
import { deletion, HOST_MOUNT_NAMESPACE } from '../../../support/deletionEvents';
import { rendered } from '../../../support/renderedMarkdown';

const OPEN = 'syscallTrace.openDirectory';
const argumentOf = (href: string) => JSON.parse(decodeURIComponent(href.slice(href.indexOf('?') + 1))) as unknown[];

describe('deletionTooltip', () => {
  it('links each directory above the deleted file to the command that opens it', () => {
    const shown = rendered(deletionTooltip(deletion({ path: '/home/ada/a.txt' }), { openDirectoryCommand: OPEN }));
    expect(shown.links.map((link) => [link.text, argumentOf(link.href)])).toEqual([
      ['/', ['/']],
      ['home', ['/home']],
      ['ada', ['/home/ada']],
    ]);
    expect(shown.links.every((link) => link.href.startsWith(`command:${OPEN}?`))).toBe(true);
    expect(shown.text).toContain('/home/ada/a.txt');
  });

  it('shows a file named like a command link as text, with no link of its own', () => {
    const name = '[x](command:workbench.action.quit)';
    const shown = rendered(
      deletionTooltip(deletion({ path: `/tmp/${name}`, cmdline: ['rm', name] }), { openDirectoryCommand: OPEN }),
    );
    expect(shown.links.map((link) => link.text)).toEqual(['/', 'tmp']);
    expect(shown.text).toContain(`/tmp/${name}`);
    expect(shown.text).toContain(`rm '${name}'`);
  });

  it('keeps a name with newlines on its line, with the newlines shown as \\n', () => {
    const shown = rendered(deletionTooltip(deletion({ path: '/tmp/a\n# b\n- c' }), { openDirectoryCommand: OPEN }));
    expect(shown.structure).toEqual([]);
    expect(shown.text).toContain('/tmp/a\\n# b\\n- c');
  });

  it('shows a command line and process names as text, whatever they hold', () => {
    const event = deletion({
      path: '/tmp/f',
      comm: '<b>evil</b>',
      cmdline: ['sh', '-c', 'rm *.o && echo [ok](https://x)'],
      ancestors: [{ pid: 7, comm: '**bash**' }],
    });
    const shown = rendered(deletionTooltip(event, { openDirectoryCommand: OPEN }));
    expect(shown.structure).toEqual([]);
    expect(shown.links.map((link) => link.text)).toEqual(['/', 'tmp']);
    expect(shown.text).toContain('<b>evil</b>');
    expect(shown.text).toContain(`sh -c 'rm *.o && echo [ok](https://x)'`);
    expect(shown.text).toContain('**bash** (7)');
  });

  it('shows the bytes of a name that is not UTF-8 as \\x escapes, and links only the directories it can name', () => {
    const bytes = Buffer.concat([Buffer.from('/tmp/bad'), Buffer.from([0xff]), Buffer.from('dir/file')]);
    const event = deletion({ path: bytes.toString('utf8'), pathBytes: bytes.toString('base64') });
    const shown = rendered(deletionTooltip(event, { openDirectoryCommand: OPEN }));
    expect(shown.text).toContain('/tmp/bad\\xffdir/file');
    expect(shown.links.map((link) => argumentOf(link.href)[0])).toEqual(['/', '/tmp']);
  });

  it('links nothing of a path known only in part', () => {
    const shown = rendered(
      deletionTooltip(deletion({ path: '…/x/y', complete: false }), { openDirectoryCommand: OPEN }),
    );
    expect(shown.links).toEqual([]);
    expect(shown.text).toContain('…/x/y');
  });

  it('says who deleted the file: pid, uid, command line, ancestors, result and time', () => {
    const event = deletion({
      path: '/tmp/f',
      pid: 31,
      uid: 1000,
      comm: 'rm',
      cmdline: ['rm', 'f'],
      ancestors: [{ pid: 30, comm: 'make' }],
    });
    const text = rendered(deletionTooltip(event, { openDirectoryCommand: OPEN })).text;
    for (const part of ['File deleted', 'rm (pid 31', 'uid 1000', 'Command line: rm f', 'make (30)', event.time])
      expect(text).toContain(part);
  });

  it('says why a failed attempt failed', () => {
    const text = rendered(
      deletionTooltip(deletion({ path: '/tmp/f', result: -13, error: 'EACCES' }), { openDirectoryCommand: OPEN }),
    ).text;
    expect(text).toContain('not deleted: EACCES');
  });

  it('names the terminal the deletion came from', () => {
    const text = rendered(
      deletionTooltip(deletion({ path: '/tmp/f' }), { openDirectoryCommand: OPEN, terminalName: 'bash [1]' }),
    ).text;
    expect(text).toContain('in terminal “bash [1]”');
  });

  it('says where the process saw the file, when it saw it under another path than the host’s', () => {
    const text = rendered(
      deletionTooltip(deletion({ path: '/srv/app/x', processPath: '/app/x' }), { openDirectoryCommand: OPEN }),
    ).text;
    expect(text).toContain('Seen by the process as: /app/x');
  });

  it('says nothing of the process’s path when it is the host’s', () => {
    expect(
      rendered(deletionTooltip(deletion({ path: '/srv/app/x' }), { openDirectoryCommand: OPEN })).text,
    ).not.toContain('Seen by the process');
  });

  it('shows the process’s path as text, with no link, whatever it holds', () => {
    const processPath = '/app/[x](command:workbench.action.quit) <img src=x onerror=alert(1)> **b**';
    const shown = rendered(
      deletionTooltip(deletion({ path: '/srv/app/x', processPath }), { openDirectoryCommand: OPEN }),
    );
    expect(shown.structure).toEqual([]);
    expect(shown.links.map((link) => link.text)).toEqual(['/', 'srv', 'app']);
    expect(shown.text).toContain(`Seen by the process as: ${processPath}`);
  });

  it('shows the bytes of a process’s path that is not UTF-8 as \\x escapes, and its newlines as \\n', () => {
    const bytes = Buffer.concat([Buffer.from('/app/bad'), Buffer.from([0xff]), Buffer.from('\n# x')]);
    const event = deletion({
      path: '/srv/app/x',
      processPath: bytes.toString('utf8'),
      processPathBytes: bytes.toString('base64'),
    });
    const shown = rendered(deletionTooltip(event, { openDirectoryCommand: OPEN }));
    expect(shown.structure).toEqual([]);
    expect(shown.text).toContain('Seen by the process as: /app/bad\\xff\\n# x');
  });

  it('names a mount namespace that is not the host’s', () => {
    const event = deletion({ path: '/srv/app/x', mountNamespace: 4026532999 });
    const text = rendered(
      deletionTooltip(event, { openDirectoryCommand: OPEN, hostMountNamespace: HOST_MOUNT_NAMESPACE }),
    ).text;
    expect(text).toContain('Mount namespace: 4026532999 (not the host’s)');
  });

  it('says nothing of the host’s own mount namespace, nor of any while the host’s is not known', () => {
    const host = rendered(
      deletionTooltip(deletion({ path: '/tmp/f' }), {
        openDirectoryCommand: OPEN,
        hostMountNamespace: HOST_MOUNT_NAMESPACE,
      }),
    ).text;
    const unknown = rendered(
      deletionTooltip(deletion({ path: '/tmp/f', mountNamespace: 4026532999 }), { openDirectoryCommand: OPEN }),
    ).text;
    expect(host).not.toContain('Mount namespace');
    expect(unknown).not.toContain('Mount namespace');
  });

  it('names the container by engine and short id, and gives its full id', () => {
    const id = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const text = rendered(
      deletionTooltip(deletion({ path: '/srv/app/x', container: { engine: 'docker', id } }), {
        openDirectoryCommand: OPEN,
      }),
    ).text;
    expect(text).toContain(`Container: docker 0123456789ab (id ${id})`);
  });

  it('shows a container id as text, whatever it holds', () => {
    const id = '[x](command:foo)<b>';
    const shown = rendered(
      deletionTooltip(deletion({ path: '/tmp/f', container: { engine: 'podman', id } }), {
        openDirectoryCommand: OPEN,
      }),
    );
    expect(shown.structure).toEqual([]);
    expect(shown.links.map((link) => link.text)).toEqual(['/', 'tmp']);
    expect(shown.text).toContain(`(id ${id})`);
  });

  it('shows the time in the person’s time zone, and the exact ISO time below it', () => {
    const event = deletion({ path: '/tmp/f', time: '2026-11-24T12:00:00.123Z' });
    const text = rendered(
      deletionTooltip(event, { openDirectoryCommand: OPEN, timeFormat: { locale: 'en-GB', timeZone: 'Asia/Tokyo' } }),
    ).text;
    expect(text).toContain('Time: 24/11/2026, 21:00:00');
    expect(text).toContain('ISO time: 2026-11-24T12:00:00.123Z');
  });
});
