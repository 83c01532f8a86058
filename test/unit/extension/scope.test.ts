import { describe, expect, it } from 'vitest';

import {
  choiceForDirectory,
  describeScope,
  helperScope,
  historyScope,
  scopeLabel,
  viewFilter,
} from '../../../extension/scope';

const folders = [
  { name: 'a', path: '/w/a', aliases: ['/w/a'] },
  { name: 'b', path: '/w/b', aliases: ['/w/b', '/real/b'] },
];

describe('what the helper traces', () => {
  it('traces every workspace folder as the workspace names it, whichever one the view shows', () => {
    expect(helperScope({ kind: 'workspaceFolders' }, folders)).toEqual({ paths: ['/w/a', '/w/b'] });
    expect(helperScope({ kind: 'folder', path: '/w/b' }, folders)).toEqual({ paths: ['/w/a', '/w/b'] });
  });

  it('traces the whole system when it is chosen', () => {
    expect(helperScope({ kind: 'system' }, folders)).toBe('system');
  });

  it('traces the whole system when no folder is open', () => {
    expect(helperScope({ kind: 'workspaceFolders' }, [])).toBe('system');
  });
});

describe('what the view shows', () => {
  it('shows the chosen folder only, below its own path or its real path', () => {
    expect(viewFilter({ kind: 'folder', path: '/w/b' }, folders)).toEqual({
      show: 'folder',
      path: '/w/b',
      aliases: ['/w/b', '/real/b'],
    });
  });

  it('shows all workspace folders again once the chosen folder leaves the workspace', () => {
    expect(viewFilter({ kind: 'folder', path: '/w/gone' }, folders)).toEqual({ show: 'workspaceFolders' });
  });

  it('shows everything for the whole system', () => {
    expect(viewFilter({ kind: 'system' }, folders)).toEqual({ show: 'everything' });
  });
});

describe('Show Deletions Here', () => {
  const realPaths: Record<string, string> = { '/w/b/link': '/elsewhere/target' };
  const realPath = (path: string): string | undefined => realPaths[path] ?? path;

  it('chooses a workspace folder as Filter by Workspace Folder… would', () => {
    expect(choiceForDirectory('/w/b/', folders, realPath)).toEqual({ kind: 'folder', path: '/w/b' });
  });

  it('narrows the view to a directory inside a folder, below its own path or its real path', () => {
    const choice = choiceForDirectory('/w/b/link', folders, realPath);
    expect(choice).toEqual({ kind: 'directory', path: '/w/b/link', aliases: ['/w/b/link', '/elsewhere/target'] });
    expect(viewFilter(choice, folders)).toEqual({
      show: 'folder',
      path: '/w/b/link',
      aliases: ['/w/b/link', '/elsewhere/target'],
    });
  });

  it('traces that directory alone where tracing starts for it', () => {
    expect(helperScope(choiceForDirectory('/w/a/src', folders, realPath), folders)).toEqual({ paths: ['/w/a/src'] });
  });

  it('asks the recorder for that directory’s history under every name it has', () => {
    expect(historyScope(choiceForDirectory('/w/b/link', folders, realPath), folders)).toEqual({
      paths: ['/w/b/link', '/elsewhere/target'],
    });
  });

  it('names the directory in the view as the Explorer shows it, below its workspace folder', () => {
    expect(scopeLabel(choiceForDirectory('/w/a/src/lib', folders, realPath), folders)).toBe('a/src/lib');
    expect(scopeLabel(choiceForDirectory('/srv/data', folders, realPath), folders)).toBe('/srv/data');
  });
});

describe('the history the recorder is asked for', () => {
  it('covers what the view shows: every alias of every workspace folder', () => {
    expect(historyScope({ kind: 'workspaceFolders' }, folders)).toEqual({ paths: ['/w/a', '/w/b', '/real/b'] });
  });

  it('covers only the chosen folder when the view shows one', () => {
    expect(historyScope({ kind: 'folder', path: '/w/b' }, folders)).toEqual({ paths: ['/w/b', '/real/b'] });
  });

  it('covers the whole system when the view shows it, or when no folder is open', () => {
    expect(historyScope({ kind: 'system' }, folders)).toBe('system');
    expect(historyScope({ kind: 'workspaceFolders' }, [])).toBe('system');
    expect(historyScope({ kind: 'folder', path: '/w/gone' }, [])).toBe('system');
  });
});

describe('the view’s description', () => {
  it('says which deletions the view shows', () => {
    expect(scopeLabel({ kind: 'workspaceFolders' }, folders)).toBe('all workspace folders');
    expect(scopeLabel({ kind: 'folder', path: '/w/b' }, folders)).toBe('b');
    expect(scopeLabel({ kind: 'system' }, folders)).toBe('whole system');
  });

  it('shows a folder’s name as text, its control characters as escapes', () => {
    const named = [{ name: 'x\ny\u202e', path: '/w/x', aliases: ['/w/x'] }];
    expect(scopeLabel({ kind: 'folder', path: '/w/x' }, named)).toBe('x\\ny\\u{202e}');
  });
});

describe('a scope in the log', () => {
  it('names the whole system, or the paths traced', () => {
    expect(describeScope('system')).toBe('the whole system');
    expect(describeScope({ paths: ['/w/a', '/w/b'] })).toBe('/w/a, /w/b');
  });
});
