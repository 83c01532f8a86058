import { describe, expect, it } from 'vitest';

import { workspaceFolderInfos, workspacePathOf } from '../../../extension/workspaceFolders';

/** A file system where /ws-link is a symlink to /real/ws, and nothing else is one. */
const realPath = (path: string): string | undefined =>
  path.startsWith('/ws-link') ? `/real/ws${path.slice('/ws-link'.length)}` : path;

describe('the workspace folders the view uses', () => {
  it('gives a folder opened through a symlink its real path as an alias', () => {
    expect(workspaceFolderInfos([{ name: 'ws', uri: { fsPath: '/ws-link' } }], realPath)).toEqual([
      { name: 'ws', path: '/ws-link', aliases: ['/ws-link', '/real/ws'] },
    ]);
  });

  it('gives a folder without symlinks its own path alone', () => {
    expect(workspaceFolderInfos([{ name: 'p', uri: { fsPath: '/home/ada/p/' } }], realPath)).toEqual([
      { name: 'p', path: '/home/ada/p', aliases: ['/home/ada/p'] },
    ]);
  });

  it('keeps a folder that is not there by the path the workspace gives', () => {
    expect(workspaceFolderInfos([{ name: 'gone', uri: { fsPath: '/gone' } }], () => undefined)).toEqual([
      { name: 'gone', path: '/gone', aliases: ['/gone'] },
    ]);
  });
});

describe('a path as the workspace names it', () => {
  const folders = workspaceFolderInfos(
    [
      { name: 'ws', uri: { fsPath: '/ws-link' } },
      { name: 'p', uri: { fsPath: '/home/ada/p' } },
    ],
    realPath,
  );

  it('names a place below a folder’s real path by the folder’s own path', () => {
    expect(workspacePathOf('/real/ws/a/b', folders)).toBe('/ws-link/a/b');
    expect(workspacePathOf('/real/ws', folders)).toBe('/ws-link');
  });

  it('leaves a path below a folder’s own path, or outside every folder, as it is', () => {
    expect(workspacePathOf('/home/ada/p/src', folders)).toBe('/home/ada/p/src');
    expect(workspacePathOf('/real/ws-old/a', folders)).toBe('/real/ws-old/a');
  });
});
