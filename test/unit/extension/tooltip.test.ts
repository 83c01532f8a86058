import { describe, expect, it } from 'vitest';

import { deletionTooltip } from '../../../extension/tooltip';
import { deletion } from './deletions';
import { rendered } from './renderedMarkdown';

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
    const shown = rendered(deletionTooltip(deletion({ path: `/tmp/${name}`, cmdline: ['rm', name] }), { openDirectoryCommand: OPEN }));
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
    const event = deletion({ path: '/tmp/f', comm: '<b>evil</b>', cmdline: ['sh', '-c', 'rm *.o && echo [ok](https://x)'], ancestors: [{ pid: 7, comm: '**bash**' }] });
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
    const shown = rendered(deletionTooltip(deletion({ path: '…/x/y', complete: false }), { openDirectoryCommand: OPEN }));
    expect(shown.links).toEqual([]);
    expect(shown.text).toContain('…/x/y');
  });

  it('says who deleted the file: pid, uid, command line, ancestors, result and time', () => {
    const event = deletion({ path: '/tmp/f', pid: 31, uid: 1000, comm: 'rm', cmdline: ['rm', 'f'], ancestors: [{ pid: 30, comm: 'make' }] });
    const text = rendered(deletionTooltip(event, { openDirectoryCommand: OPEN })).text;
    for (const part of ['File deleted', 'rm (pid 31', 'uid 1000', 'Command line: rm f', 'make (30)', event.time]) expect(text).toContain(part);
  });

  it('says why a failed attempt failed', () => {
    const text = rendered(deletionTooltip(deletion({ path: '/tmp/f', result: -13, error: 'EACCES' }), { openDirectoryCommand: OPEN })).text;
    expect(text).toContain('not deleted: EACCES');
  });

  it('names the terminal the deletion came from', () => {
    const text = rendered(deletionTooltip(deletion({ path: '/tmp/f' }), { openDirectoryCommand: OPEN, terminalName: 'bash [1]' })).text;
    expect(text).toContain('in terminal “bash [1]”');
  });

  it('shows the time in the person’s time zone, and the exact ISO time below it', () => {
    const event = deletion({ path: '/tmp/f', time: '2026-11-24T12:00:00.123Z' });
    const text = rendered(deletionTooltip(event, { openDirectoryCommand: OPEN, timeFormat: { locale: 'en-GB', timeZone: 'Asia/Tokyo' } })).text;
    expect(text).toContain('Time: 24/11/2026, 21:00:00');
    expect(text).toContain('ISO time: 2026-11-24T12:00:00.123Z');
  });
});
