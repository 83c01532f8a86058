import { describe, expect, it } from 'vitest';

import { helperScope, viewFilter } from '../../../extension/scope';

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
    expect(viewFilter({ kind: 'folder', path: '/w/b' }, folders)).toEqual({ show: 'folder', path: '/w/b', aliases: ['/w/b', '/real/b'] });
  });

  it('shows all workspace folders again once the chosen folder leaves the workspace', () => {
    expect(viewFilter({ kind: 'folder', path: '/w/gone' }, folders)).toEqual({ show: 'workspaceFolders' });
  });

  it('shows everything for the whole system', () => {
    expect(viewFilter({ kind: 'system' }, folders)).toEqual({ show: 'everything' });
  });
});
