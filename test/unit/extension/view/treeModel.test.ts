import { describe, expect, it } from 'vitest';

import type { DeletionEvent } from '../../../../common/protocol';
import { DeletionStore } from '../../../../extension/view/deletionStore';
import {
  buildTree,
  children,
  FLAT_PAGE_SIZE,
  type TreeNode,
  type TreeOptions,
  type WorkspaceFolderInfo,
} from '../../../../extension/view/treeModel';
import { deletion, deletions } from '../../../support/deletionEvents';

/** A workspace folder; `realPaths` are where symlinks on its path lead, as withRealPathAliases() finds them. */
const folder = (name: string, path: string, ...realPaths: string[]): WorkspaceFolderInfo => ({
  name,
  path,
  aliases: [path, ...realPaths],
});

const project = folder('project', '/home/ada/project');
const notes = folder('notes', '/home/ada/notes');
/** Opened through a symlink: the helper reports its deletions at /real/ws. */
const linked = folder('ws', '/ws-link', '/real/ws');

/** Paths of files in the project workspace folder, by their names relative to it. */
const inProject = (...names: string[]): string[] => names.map((name) => `${project.path}/${name}`);

const byFolder: TreeOptions = {
  grouping: 'folder',
  folders: [project],
  filter: { show: 'everything' },
  showFailed: false,
};

function storeOf(events: DeletionEvent[], maxEvents = 1000): DeletionStore {
  const store = new DeletionStore({ maxEvents });
  store.add(events);
  return store;
}

function title(node: TreeNode): string {
  switch (node.kind) {
    case 'workspaceFolder':
      return `${node.folder.name} (${node.count})`;
    case 'elsewhere':
      return `Outside the workspace (${node.count})`;
    case 'directory':
      return `${node.label}/ (${node.count})`;
    case 'process':
      return `${node.comm} ${node.pid}${node.container === undefined ? '' : ` in ${node.container.engine} ${node.container.id}`} (${node.count})`;
    case 'older':
      return `older (${node.count})`;
    case 'deletion':
      return node.deletion.event.path.slice(node.deletion.event.path.lastIndexOf('/') + 1);
    case 'dropped':
      return `dropped ${node.count}`;
    case 'lost':
      return `lost ${node.count}`;
    case 'unrecorded':
      return `unrecorded ${node.count}${node.problem === undefined ? '' : `: ${node.problem}`}`;
    case 'historyCut':
      return `history cut at ${node.limit}`;
  }
}

/** The whole tree, expanded, one node a line, indented by depth. */
function outline(nodes: TreeNode[], depth = 0): string[] {
  return nodes.flatMap((node) => [`${'  '.repeat(depth)}${title(node)}`, ...outline(children(node), depth + 1)]);
}

const shown = (events: DeletionEvent[], options: TreeOptions = byFolder) =>
  outline(buildTree(storeOf(events), options).roots);

describe('grouping by workspace folder', () => {
  it('groups files under their workspace folder and directories, with counts', () => {
    expect(shown(deletions(inProject('a.txt', 'src/b.ts', 'src/c.ts')))).toEqual([
      'project (3)',
      '  src/ (2)',
      '    b.ts',
      '    c.ts',
      '  a.txt',
    ]);
  });

  it('joins single-child directories into one node, as the Explorer’s compact folders do', () => {
    expect(shown(deletions(inProject('src/main/java/App.java', 'src/main/java/Util.java')))).toEqual([
      'project (2)',
      '  src/main/java/ (2)',
      '    App.java',
      '    Util.java',
    ]);
  });

  it('stops joining where a directory holds more than one thing', () => {
    expect(shown(deletions(inProject('src/main/a.ts', 'src/main/sub/b.ts')))).toEqual([
      'project (2)',
      '  src/main/ (2)',
      '    sub/ (1)',
      '      b.ts',
      '    a.ts',
    ]);
  });

  it('keeps a burst of deletions under one directory as one expandable node', () => {
    const burst = Array.from({ length: 10_000 }, (_, i) => `/home/ada/project/node_modules/pkg/file${i}.js`);
    const tree = buildTree(storeOf(deletions(burst), 20_000), byFolder);
    expect(outline(tree.roots.slice(0, 1), 0).slice(0, 2)).toEqual(['project (10000)', '  node_modules/pkg/ (10000)']);
    expect(children(tree.roots[0])).toHaveLength(1);
    expect(children(children(tree.roots[0])[0])).toHaveLength(10_000);
  });

  it('shows a deleted directory as the node of its contents, not as a second sibling', () => {
    const events = [
      ...deletions(inProject('build/out.o', 'build/app')),
      deletion({ path: '/home/ada/project/build', directory: true, syscall: 'unlinkat' }),
    ];
    const tree = buildTree(storeOf(events), byFolder);
    const [build] = children(tree.roots[0]);
    expect(build).toMatchObject({ kind: 'directory', label: 'build', count: 3 });
    expect(build.kind === 'directory' && build.own.map((own) => own.event.path)).toEqual(['/home/ada/project/build']);
    expect(outline(children(build))).toEqual(['app', 'out.o']);
  });

  it('does not join a deleted directory into its parent’s compact node', () => {
    const events = [
      deletion({ path: '/home/ada/project/a/b/c.txt' }),
      deletion({ path: '/home/ada/project/a/b', directory: true }),
    ];
    expect(shown(events)).toEqual(['project (2)', '  a/ (2)', '    b/ (2)', '      c.txt']);
  });

  it('lists a directory deleted while empty like a file', () => {
    expect(shown([deletion({ path: '/home/ada/project/empty', directory: true, syscall: 'rmdir' })])).toEqual([
      'project (1)',
      '  empty',
    ]);
  });

  it('puts deletions outside every workspace folder in their own group, from the root', () => {
    expect(shown(deletions(['/home/ada/project/a', '/tmp/x/1', '/tmp/x/2']))).toEqual([
      'project (1)',
      '  a',
      'Outside the workspace (2)',
      '  /tmp/x/ (2)',
      '    1',
      '    2',
    ]);
  });

  it('gives each of several workspace folders its own group, in workspace order', () => {
    const options = { ...byFolder, folders: [project, notes] };
    expect(shown(deletions(['/home/ada/notes/n.md', '/home/ada/project/p.ts']), options)).toEqual([
      'project (1)',
      '  p.ts',
      'notes (1)',
      '  n.md',
    ]);
  });

  it('gives a deletion in a folder nested in another to the inner folder', () => {
    const inner = folder('inner', '/home/ada/project/packages/inner');
    const options = { ...byFolder, folders: [project, inner] };
    expect(shown(deletions(['/home/ada/project/packages/inner/x.ts']), options)).toEqual(['inner (1)', '  x.ts']);
  });

  it('shows a deletion at the real path of a folder opened through a symlink under that folder, relative to it', () => {
    const tree = buildTree(storeOf(deletions(['/real/ws/a/b.txt'])), { ...byFolder, folders: [linked] });
    expect(outline(tree.roots)).toEqual(['ws (1)', '  a/ (1)', '    b.txt']);
    expect(children(tree.roots[0])[0]).toMatchObject({ kind: 'directory', label: 'a', path: '/real/ws/a' });
  });

  it('places deletions under either name of a folder side by side, each relative to its own', () => {
    expect(shown(deletions(['/real/ws/a/b.txt', '/ws-link/c']), { ...byFolder, folders: [linked] })).toEqual([
      'ws (2)',
      '  a/ (1)',
      '    b.txt',
      '  c',
    ]);
  });

  it('gives a deletion to the innermost folder by the real path, however short the name it was opened by', () => {
    const inner = folder('inner', '/i', '/home/ada/project/packages/inner');
    const options = { ...byFolder, folders: [project, inner] };
    expect(shown(deletions(['/home/ada/project/packages/inner/x.ts', '/home/ada/project/y.ts']), options)).toEqual([
      'project (1)',
      '  y.ts',
      'inner (1)',
      '  x.ts',
    ]);
  });

  it('gives a directory opened twice, directly and through a symlink, to the folder that names it directly', () => {
    const direct = folder('direct', '/real/ws');
    expect(shown(deletions(['/real/ws/f']), { ...byFolder, folders: [linked, direct] })).toEqual(['direct (1)', '  f']);
  });

  it('starts from the file system’s root when no folder is open', () => {
    expect(shown(deletions(['/tmp/a/1', '/var/log/b']), { ...byFolder, folders: [] })).toEqual([
      '/tmp/a/ (1)',
      '  1',
      '/var/log/ (1)',
      '  b',
    ]);
  });

  it('shows a path known only in part under its group, by the name that is known', () => {
    expect(shown([deletion({ path: '…/deep/file', complete: false })])).toEqual([
      'Outside the workspace (1)',
      '  file',
    ]);
  });

  it('does not mistake a sibling whose name begins like the folder for the folder', () => {
    expect(shown(deletions(['/home/ada/project-old/a']))).toEqual([
      'Outside the workspace (1)',
      '  /home/ada/project-old/ (1)',
      '    a',
    ]);
  });

  it('lists the same file deleted again and again newest first', () => {
    const tree = buildTree(storeOf(deletions(inProject('f', 'f'))), byFolder);
    const [newer, older] = children(tree.roots[0]);
    expect(newer.kind === 'deletion' && older.kind === 'deletion' && newer.deletion.id > older.deletion.id).toBe(true);
  });
});

describe('grouping by process', () => {
  const options: TreeOptions = { ...byFolder, grouping: 'process' };

  it('groups files under command and pid, the most recently active process first', () => {
    const events = [
      deletion({ path: '/home/ada/project/a', comm: 'rm', pid: 10 }),
      deletion({ path: '/home/ada/project/b', comm: 'git', pid: 20 }),
      deletion({ path: '/home/ada/project/c', comm: 'rm', pid: 10 }),
    ];
    expect(shown(events, options)).toEqual(['rm 10 (2)', '  c', '  a', 'git 20 (1)', '  b']);
  });

  it('tells apart the same command and pid in different containers, and names the container', () => {
    const docker = { engine: 'docker', id: '0123456789abcdef' } as const;
    const podman = { engine: 'podman', id: 'fedcba9876543210' } as const;
    const events = [
      deletion({ path: '/srv/a', comm: 'rm', pid: 10, container: docker }),
      deletion({ path: '/srv/b', comm: 'rm', pid: 10, container: podman }),
      deletion({ path: '/srv/c', comm: 'rm', pid: 10 }),
      deletion({ path: '/srv/d', comm: 'rm', pid: 10, container: { ...docker } }),
    ];
    expect(shown(events, { ...options, folders: [] })).toEqual([
      'rm 10 in docker 0123456789abcdef (2)',
      '  d',
      '  a',
      'rm 10 (1)',
      '  c',
      'rm 10 in podman fedcba9876543210 (1)',
      '  b',
    ]);
  });
});

describe('one list by time', () => {
  const options: TreeOptions = { ...byFolder, grouping: 'time' };

  it('lists deletions newest first', () => {
    expect(shown(deletions(['/home/ada/project/a', '/tmp/b', '/home/ada/project/c']), options)).toEqual([
      'c',
      'b',
      'a',
    ]);
  });

  it('puts what does not fit in one page under an expandable node of older deletions', () => {
    const many = Array.from({ length: FLAT_PAGE_SIZE + 5 }, (_, i) => `/tmp/f${i}`);
    const roots = buildTree(storeOf(deletions(many), 5000), options).roots;
    expect(roots).toHaveLength(FLAT_PAGE_SIZE + 1);
    expect(roots[FLAT_PAGE_SIZE]).toMatchObject({ kind: 'older', count: 5 });
    expect(outline(children(roots[FLAT_PAGE_SIZE]))).toEqual(['f4', 'f3', 'f2', 'f1', 'f0']);
  });
});

describe('filters', () => {
  it('hides failed attempts unless asked to show them', () => {
    const events = [
      deletion({ path: '/home/ada/project/gone' }),
      deletion({ path: '/home/ada/project/missing', result: -2, error: 'ENOENT' }),
    ];
    expect(shown(events)).toEqual(['project (1)', '  gone']);
    expect(shown(events, { ...byFolder, showFailed: true })).toEqual(['project (2)', '  gone', '  missing']);
  });

  it('shows one workspace folder when that folder is chosen', () => {
    const options: TreeOptions = {
      ...byFolder,
      folders: [project, notes],
      filter: { show: 'folder', path: notes.path, aliases: notes.aliases },
    };
    expect(shown(deletions(['/home/ada/project/p', '/home/ada/notes/n', '/tmp/t']), options)).toEqual([
      'notes (1)',
      '  n',
    ]);
  });

  it('shows the deletions at the real path of the chosen folder when it was opened through a symlink', () => {
    const options: TreeOptions = {
      ...byFolder,
      folders: [project, linked],
      filter: { show: 'folder', path: linked.path, aliases: linked.aliases },
    };
    expect(shown(deletions(['/real/ws/a/b.txt', '/home/ada/project/p', '/tmp/t']), options)).toEqual([
      'ws (1)',
      '  a/ (1)',
      '    b.txt',
    ]);
  });

  it('counts the real path of a folder opened through a symlink as inside the workspace', () => {
    const options: TreeOptions = { ...byFolder, folders: [linked], filter: { show: 'workspaceFolders' } };
    expect(shown(deletions(['/real/ws/a', '/real/ws-old/b', '/tmp/t']), options)).toEqual(['ws (1)', '  a']);
  });

  it('shows only the workspace folders when they are chosen, not the rest of the system', () => {
    const options: TreeOptions = { ...byFolder, folders: [project, notes], filter: { show: 'workspaceFolders' } };
    expect(shown(deletions(['/home/ada/project/p', '/home/ada/notes/n', '/tmp/t']), options)).toEqual([
      'project (1)',
      '  p',
      'notes (1)',
      '  n',
    ]);
  });

  it('tells which deletions the view shows, for export', () => {
    const events = [
      deletion({ path: '/home/ada/project/a' }),
      deletion({ path: '/home/ada/project/b', result: -13, error: 'EACCES' }),
    ];
    expect(buildTree(storeOf(events), byFolder).shown.map(({ event }) => event.path)).toEqual(['/home/ada/project/a']);
  });
});

describe('notices', () => {
  it('shows how many older deletions were dropped, above everything else', () => {
    const roots = buildTree(storeOf(deletions(inProject('1', '2', '3')), 2), byFolder).roots;
    expect(roots[0]).toMatchObject({ kind: 'dropped', count: 1, limit: 2 });
    expect(roots[1]).toMatchObject({ kind: 'workspaceFolder', count: 2 });
  });

  it('shows how many deletions the kernel lost', () => {
    const store = storeOf([]);
    store.addLost(12);
    expect(outline(buildTree(store, byFolder).roots)).toEqual(['lost 12']);
  });

  it('shows how many deletions the recorder could not record, and why', () => {
    const options: TreeOptions = {
      ...byFolder,
      recorder: { unrecorded: 3, problem: 'database or disk is full', historyCut: false },
    };
    expect(outline(buildTree(storeOf([]), options).roots)).toEqual(['unrecorded 3: database or disk is full']);
  });

  it('says nothing of the recorder while it records everything', () => {
    const options: TreeOptions = { ...byFolder, recorder: { unrecorded: 0, historyCut: false } };
    expect(outline(buildTree(storeOf(deletions(inProject('a'))), options).roots)).toEqual(['project (1)', '  a']);
  });

  it('says that older deletions of the time range were left out for the view’s limit', () => {
    const options: TreeOptions = { ...byFolder, recorder: { unrecorded: 0, historyCut: true } };
    expect(outline(buildTree(storeOf(deletions(inProject('a')), 50), options).roots)).toEqual([
      'history cut at 50',
      'project (1)',
      '  a',
    ]);
  });
});
