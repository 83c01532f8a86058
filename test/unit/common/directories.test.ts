// Which directory holds a path: the rule shared by the helper's scope and the
// view's folder filter (common/directories.ts).
import { describe, expect, it } from 'vitest';

import { isAtOrBelow, isInScope, normalizeAbsolute } from '../../../common/directories';

describe('normalizeAbsolute', () => {
  it('removes ".", ".." and empty parts', () => {
    expect(normalizeAbsolute('/a/./b//c/../d')).toBe('/a/b/d');
  });

  it('removes a trailing slash', () => {
    expect(normalizeAbsolute('/a/b/')).toBe('/a/b');
  });

  it('keeps the root as "/"', () => {
    expect(normalizeAbsolute('/')).toBe('/');
    expect(normalizeAbsolute('//')).toBe('/');
  });

  it('stops ".." at the root', () => {
    expect(normalizeAbsolute('/../../etc')).toBe('/etc');
  });
});

describe('isInScope', () => {
  it('takes everything when there is no scope', () => {
    expect(isInScope('/anything', undefined)).toBe(true);
  });

  it('takes the directory itself and what lies below it', () => {
    expect(isInScope('/a', ['/a'])).toBe(true);
    expect(isInScope('/a/b/c', ['/a'])).toBe(true);
  });

  it("leaves out a sibling whose name starts with the directory's", () => {
    expect(isInScope('/ab', ['/a'])).toBe(false);
    expect(isInScope('/ab/c', ['/a'])).toBe(false);
  });

  it("leaves out the directory's parent", () => {
    expect(isInScope('/', ['/a'])).toBe(false);
  });

  it('takes every absolute path for the root', () => {
    expect(isInScope('/', ['/'])).toBe(true);
    expect(isInScope('/etc/passwd', ['/'])).toBe(true);
  });

  it('leaves out an incomplete path even for the root', () => {
    expect(isInScope('…/b/file', ['/'])).toBe(false);
  });

  it('takes a path below any of several directories', () => {
    expect(isInScope('/two/file', ['/one', '/two'])).toBe(true);
    expect(isInScope('/three/file', ['/one', '/two'])).toBe(false);
  });

  it('leaves out everything for an empty list', () => {
    expect(isInScope('/a', [])).toBe(false);
  });
});

describe('isAtOrBelow', () => {
  it("is the same rule for the view's folder filter as for the helper's scope", () => {
    expect(isAtOrBelow('/a/b', '/a')).toBe(true);
    expect(isAtOrBelow('/ab', '/a')).toBe(false);
    expect(isAtOrBelow('/a', '/a')).toBe(true);
  });

  it('holds for paths whose names are bytes that are not UTF-8, kept as binary strings', () => {
    const directory = Buffer.from([0x2f, 0xff, 0x61]).toString('latin1');
    expect(isAtOrBelow(Buffer.from([0x2f, 0xff, 0x61, 0x2f, 0x62]).toString('latin1'), directory)).toBe(true);
    expect(isAtOrBelow(Buffer.from([0x2f, 0xff, 0x61, 0x62]).toString('latin1'), directory)).toBe(false);
  });
});
