// The names a directory's deletions may be reported under (common/scopeAliases.ts),
// against a real file system.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { aliasHolding, withRealPathAliases } from '../../../common/scopeAliases';

describe('withRealPathAliases', () => {
  // The temporary directory itself may lie behind a symlink (macOS's /tmp): its real path is the base.
  let base: string;
  let real: string;
  let link: string;

  beforeAll(() => {
    base = fs.realpathSync.native(fs.mkdtempSync(path.join(os.tmpdir(), 'scope-aliases-')));
    real = path.join(base, 'data', 'ws');
    fs.mkdirSync(path.join(real, 'sub'), { recursive: true });
    link = path.join(base, 'link');
    fs.symlinkSync(real, link);
  });

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('adds the real path of a directory named through a symlink, after the name given', () => {
    expect(withRealPathAliases([link])).toEqual([link, real]);
  });

  it('resolves a symlink on the way to a directory, not only at its end', () => {
    expect(withRealPathAliases([path.join(link, 'sub')])).toEqual([path.join(link, 'sub'), path.join(real, 'sub')]);
  });

  it('gives a directory without symlinks once', () => {
    expect(withRealPathAliases([real])).toEqual([real]);
  });

  it('keeps a directory that is not there as given, normalised', () => {
    const missing = path.join(base, 'missing');
    expect(withRealPathAliases([`${missing}/./x/../`])).toEqual([missing]);
  });

  it('lists a directory named twice, directly and through a symlink, once, in the order given', () => {
    expect(withRealPathAliases([real, link])).toEqual([real, link]);
  });

  it('asks the given resolver, so that callers can test without a file system', () => {
    expect(withRealPathAliases(['/ws-link/'], (given) => (given === '/ws-link' ? '/real/ws' : undefined))).toEqual([
      '/ws-link',
      '/real/ws',
    ]);
  });
});

describe('aliasHolding', () => {
  it('names the alias a path lies below', () => {
    expect(aliasHolding('/real/ws/a/b.txt', ['/ws-link', '/real/ws'])).toBe('/real/ws');
    expect(aliasHolding('/ws-link/a', ['/ws-link', '/real/ws'])).toBe('/ws-link');
  });

  it('takes the directory itself', () => {
    expect(aliasHolding('/real/ws', ['/ws-link', '/real/ws'])).toBe('/real/ws');
  });

  it('prefers the innermost of two aliases that both hold the path', () => {
    expect(aliasHolding('/a/b/c', ['/a', '/a/b'])).toBe('/a/b');
  });

  it('names none for a path outside every alias, or a sibling whose name begins like one', () => {
    expect(aliasHolding('/real/ws-old/a', ['/ws-link', '/real/ws'])).toBeUndefined();
    expect(aliasHolding('…/ws/a', ['/'])).toBeUndefined();
  });
});
