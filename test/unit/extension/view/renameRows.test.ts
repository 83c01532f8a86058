import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { DeletionStore } from '../../../../extension/view/deletionStore';
import { shownName } from '../../../../extension/view/displayText';
import { rowPath, rowPathBytes } from '../../../../extension/view/renameRows';
import { renameDescription } from '../../../../extension/view/renameText';
import {
  buildTree,
  children,
  type TreeNode,
  type TreeOptions,
  type WorkspaceFolderInfo,
} from '../../../../extension/view/treeModel';
import { deletion, rename } from '../../../support/deletionEvents';

const HOME = '/home/ada';
const project: WorkspaceFolderInfo = { name: 'project', path: '/home/ada/project', aliases: ['/home/ada/project'] };
const notes: WorkspaceFolderInfo = { name: 'notes', path: '/home/ada/notes', aliases: ['/home/ada/notes'] };
const byFolder: TreeOptions = {
  grouping: 'folder',
  folders: [project],
  filter: { show: 'everything' },
  showFailed: false,
};

/** A node as the view shows it: a row's label, and what a rename's row says of it; a group's name and count. */
function title(node: TreeNode): string {
  if (node.kind !== 'deletion') return `${groupName(node)} (${'count' in node ? node.count : '-'})`;
  const row = node.deletion;
  const label = shownName({ path: rowPath(row), pathBytes: rowPathBytes(row) });
  return row.role === undefined ? label : `${label} — ${renameDescription(row.event, row.role, HOME)}`;
}

function groupName(node: TreeNode): string {
  if (node.kind === 'workspaceFolder') return node.folder.name;
  if (node.kind === 'directory') return `${node.label}/`;
  if (node.kind === 'process') return `${node.comm} ${node.pid}`;
  return node.kind === 'elsewhere' ? 'Outside the workspace' : node.kind;
}

function outline(nodes: TreeNode[], depth = 0): string[] {
  return nodes.flatMap((node) => [`${'  '.repeat(depth)}${title(node)}`, ...outline(children(node), depth + 1)]);
}

function shown(events: DeletionEvent[], options: TreeOptions = byFolder): string[] {
  const store = new DeletionStore({ maxEvents: 1000 });
  store.add(events);
  return outline(buildTree(store, options).roots);
}

describe('a rename in the tree by folder', () => {
  it('shows a file moved elsewhere under its old folder, with where it went, home as ~', () => {
    expect(shown([rename('/home/ada/project/src/a.ts', '/home/ada/backup/a.ts')])).toEqual([
      'project (1)',
      '  src/ (1)',
      '    a.ts — moved to ~/backup/a.ts',
    ]);
  });

  it('names a destination outside the home in full, and a sibling of the home as it is', () => {
    expect(shown([rename('/home/ada/project/a', '/home/ada-old/a'), rename('/home/ada/project/b', '/srv/b')])).toEqual([
      'project (2)',
      '  a — moved to /home/ada-old/a',
      '  b — moved to /srv/b',
    ]);
  });

  it('shows a file replaced from another folder under its own folder as replaced, and the moved file under its old one, counting the rename once', () => {
    expect(
      shown([rename('/home/ada/project/new/conf.txt', '/home/ada/project/etc/conf.txt', { replaced: true })]),
    ).toEqual([
      'project (1)',
      '  etc/ (1)',
      '    conf.txt — replaced by ~/project/new/conf.txt',
      '  new/ (1)',
      '    conf.txt — moved to ~/project/etc/conf.txt, replacing the file there',
    ]);
  });

  it('shows an editor’s atomic save as one row under the file saved over, one per save', () => {
    const save = () =>
      rename('/home/ada/project/x.txt.tmp', '/home/ada/project/x.txt', { replaced: true, comm: 'code' });
    expect(shown([save(), save()])).toEqual([
      'project (2)',
      '  x.txt — saved over by “x.txt.tmp” (same folder)',
      '  x.txt — saved over by “x.txt.tmp” (same folder)',
    ]);
  });

  it('says "may have" where the kernel could not tell whether a file was replaced', () => {
    const unknown = { replaced: undefined, replacedUnknown: true } as const;
    expect(shown([rename('/home/ada/project/x.tmp', '/home/ada/project/x', unknown)])).toEqual([
      'project (1)',
      '  x — may have been saved over by “x.tmp” (same folder)',
    ]);
    expect(shown([rename('/home/ada/project/in/f', '/home/ada/project/out/f', unknown)])).toEqual([
      'project (1)',
      '  in/ (1)',
      '    f — moved to ~/project/out/f, may have replaced a file there',
      '  out/ (1)',
      '    f — may have been replaced by ~/project/in/f',
    ]);
  });

  it('shows a swap (RENAME_EXCHANGE) as one row that says the two were swapped', () => {
    const swap = rename('/home/ada/project/a', '/home/ada/project/b', {
      syscall: 'renameat2',
      exchanged: true,
      renameFlags: ['RENAME_EXCHANGE'],
    });
    expect(shown([swap])).toEqual(['project (1)', '  a — swapped with “b”']);
    const far = rename('/home/ada/project/a', '/home/ada/other/b', { syscall: 'renameat2', exchanged: true });
    expect(shown([far])).toEqual(['project (1)', '  a — swapped with ~/other/b']);
  });

  it('shows a failed rename like a failed deletion, under the old folder, saying what was tried', () => {
    const failed = rename('/home/ada/project/a', '/mnt/usb/a', { result: -18, error: 'EXDEV', replaced: false });
    expect(shown([failed])).toEqual([]);
    expect(shown([failed], { ...byFolder, showFailed: true })).toEqual([
      'project (1)',
      '  a — tried to move to /mnt/usb/a',
    ]);
  });

  it('keeps a deletion’s row as it was beside renames', () => {
    expect(
      shown([deletion({ path: '/home/ada/project/gone' }), rename('/home/ada/project/a', '/home/ada/project/b')]),
    ).toEqual(['project (2)', '  a — moved to ~/project/b', '  gone']);
  });
});

describe('a rename in lists', () => {
  it('is one row under its process, even where it replaced a file in another folder', () => {
    const event = rename('/home/ada/project/new/conf.txt', '/home/ada/project/etc/conf.txt', {
      replaced: true,
      pid: 7,
      comm: 'mv',
    });
    expect(shown([event], { ...byFolder, grouping: 'process' })).toEqual([
      'mv 7 (1)',
      '  conf.txt — moved to ~/project/etc/conf.txt, replacing the file there',
    ]);
  });

  it('is one row by time, an atomic save under the file saved over', () => {
    const save = rename('/home/ada/project/x.tmp', '/home/ada/project/x', { replaced: true });
    expect(shown([save], { ...byFolder, grouping: 'time' })).toEqual(['x — saved over by “x.tmp” (same folder)']);
  });

  it('is one event for export', () => {
    const store = new DeletionStore({ maxEvents: 10 });
    store.add([rename('/home/ada/project/new/c', '/home/ada/project/etc/c', { replaced: true })]);
    expect(buildTree(store, byFolder).shown).toHaveLength(1);
  });
});

describe('syscallTrace.hideSameFolderReplaces', () => {
  const hiding: TreeOptions = { ...byFolder, hideSameFolderReplaces: true };

  it('hides a file replaced by one from its own folder, and nothing else', () => {
    const events = [
      rename('/home/ada/project/x.tmp', '/home/ada/project/x', { replaced: true }),
      rename('/home/ada/project/a', '/home/ada/project/b', { replaced: false }),
      rename('/home/ada/project/in/c', '/home/ada/project/out/c', { replaced: true }),
      deletion({ path: '/home/ada/project/gone' }),
    ];
    expect(shown(events, hiding)).toEqual([
      'project (3)',
      '  in/ (1)',
      '    c — moved to ~/project/out/c, replacing the file there',
      '  out/ (1)',
      '    c — replaced by ~/project/in/c',
      '  a — moved to ~/project/b',
      '  gone',
    ]);
    expect(shown(events, byFolder)[0]).toBe('project (4)');
  });
});

describe('the workspace-folder filter and a rename', () => {
  it('matches a rename by either of its paths', () => {
    const options: TreeOptions = {
      ...byFolder,
      folders: [project, notes],
      filter: { show: 'folder', path: notes.path, aliases: notes.aliases },
    };
    const events = [
      rename('/home/ada/project/draft.md', '/home/ada/notes/draft.md'),
      rename('/home/ada/notes/old.md', '/tmp/old.md'),
      rename('/home/ada/project/a', '/home/ada/project/b'),
    ];
    expect(shown(events, options)).toEqual([
      'project (1)',
      '  draft.md — moved to ~/notes/draft.md',
      'notes (1)',
      '  old.md — moved to /tmp/old.md',
    ]);
  });

  it('shows a file moved into the workspace from outside it, where it came from', () => {
    const options: TreeOptions = { ...byFolder, filter: { show: 'workspaceFolders' } };
    expect(shown([rename('/tmp/dl/x.zip', '/home/ada/project/x.zip'), rename('/tmp/a', '/tmp/b')], options)).toEqual([
      'Outside the workspace (1)',
      '  /tmp/dl/ (1)',
      '    x.zip — moved to ~/project/x.zip',
    ]);
  });
});
