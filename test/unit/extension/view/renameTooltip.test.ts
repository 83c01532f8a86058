import { describe, expect, it } from 'vitest';

import { deletionTooltip } from '../../../../extension/view/tooltip';
import { rename } from '../../../support/deletionEvents';
import { rendered } from '../../../support/renderedMarkdown';

const OPEN = 'syscallTrace.openDirectory';
const argumentOf = (href: string) => JSON.parse(decodeURIComponent(href.slice(href.indexOf('?') + 1))) as unknown[];
const tooltipOf = (event: Parameters<typeof deletionTooltip>[0]) =>
  rendered(deletionTooltip(event, { openDirectoryCommand: OPEN }));

describe('the tooltip of a rename', () => {
  it('shows the destination with each of its directories as a link that opens it', () => {
    const shown = tooltipOf(rename('/home/ada/x', '/srv/backup/x'));
    expect(shown.text).toContain('File moved');
    expect(shown.text).toContain('Moved to: /srv/backup/x');
    expect(shown.text).toContain('Nothing was replaced.');
    expect(shown.links.map((link) => argumentOf(link.href)[0])).toEqual([
      '/',
      '/home',
      '/home/ada',
      '/',
      '/srv',
      '/srv/backup',
    ]);
  });

  it('says a file at the destination was replaced, or may have been', () => {
    expect(tooltipOf(rename('/tmp/x.tmp', '/tmp/x', { replaced: true })).text).toContain(
      'Replaced the file that was there: its old content is gone.',
    );
    const unknown = tooltipOf(rename('/tmp/x.tmp', '/tmp/x', { replaced: undefined, replacedUnknown: true })).text;
    expect(unknown).toContain('May have replaced a file that was there');
    expect(unknown).not.toContain('Replaced the file');
  });

  it('says that swapped names both survive, and names the flags', () => {
    const text = tooltipOf(
      rename('/tmp/a', '/tmp/b', { syscall: 'renameat2', exchanged: true, renameFlags: ['RENAME_EXCHANGE'] }),
    ).text;
    expect(text).toContain('File swapped');
    expect(text).toContain('Swapped with: /tmp/b');
    expect(text).toContain('Both names survive');
    expect(text).toContain('Flags: RENAME_EXCHANGE');
  });

  it('says why a failed rename failed, and where it tried to move the file', () => {
    const text = tooltipOf(rename('/tmp/a', '/mnt/a', { result: -18, error: 'EXDEV' })).text;
    expect(text).toContain('not moved: EXDEV');
    expect(text).toContain('Tried to move to: /mnt/a');
    expect(text).not.toContain('Nothing was replaced');
  });

  it('says a failed swap was tried, not that both names now hold each other’s file', () => {
    const text = tooltipOf(
      rename('/tmp/a', '/tmp/b', {
        syscall: 'renameat2',
        exchanged: false,
        renameFlags: ['RENAME_EXCHANGE'],
        result: -2,
        error: 'ENOENT',
      }),
    ).text;
    expect(text).toContain('Tried to swap with: /tmp/b');
    expect(text).not.toContain('Both names survive');
  });

  it('shows a destination with newlines and markup as text, with links only to its directories', () => {
    const name = 'a\n# b [x](command:workbench.action.quit) <img src=x onerror=alert(1)>';
    const shown = tooltipOf(rename('/tmp/src', `/tmp/${name}`));
    expect(shown.structure).toEqual([]);
    expect(shown.text).toContain(
      'Moved to: /tmp/a\\n# b [x](command:workbench.action.quit) <img src=x onerror=alert(1)>',
    );
    expect(shown.links.map((link) => link.text)).toEqual(['/', 'tmp', '/', 'tmp']);
  });

  it('links nothing of a destination known only in part', () => {
    const shown = tooltipOf(rename('/tmp/src', '…/deep/x', { movedToComplete: false }));
    expect(shown.text).toContain('Moved to: …/deep/x (only the end of the path is known)');
    expect(shown.links.map((link) => link.text)).toEqual(['/', 'tmp']);
  });
});
