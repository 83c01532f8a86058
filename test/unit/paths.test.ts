// Absolute, normalised paths from what the kernel reports (helper/paths.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  climbsOutOfOwnName,
  directoryFromNames,
  resolveDeletionPath,
  textOf,
  textOfBinary,
  type DeletionPathParts,
  type RealDirectory,
} from '../../helper/paths';

/** For paths that must be resolved by text alone. */
const fileSystemNotAsked: RealDirectory = (directory) => {
  throw new Error(`the file system was asked about ${directory}`);
};

/** The file system's own answer, as the tracer asks it. */
const realDirectory: RealDirectory = (binaryPath) => {
  try {
    return fs.realpathSync.native(Buffer.from(binaryPath, 'latin1'), { encoding: 'buffer' }).toString('latin1');
  } catch {
    return undefined;
  }
};

const names = (...innermostFirst: string[]): Buffer[] => innermostFirst.map((name) => Buffer.from(name));

function resolve(pathArg: string | Buffer, directoryNames?: Buffer[], directoryComplete = true, real = fileSystemNotAsked) {
  const parts: DeletionPathParts = { pathArg: Buffer.from(pathArg), directoryNames, directoryComplete };
  const resolved = resolveDeletionPath(parts, real);
  const bytes = Buffer.from(resolved.binary, 'latin1');
  return { path: bytes.toString(), bytes, complete: resolved.complete };
}

describe('directoryFromNames', () => {
  it('joins innermost-first names into an absolute directory', () => {
    expect(directoryFromNames(names('alice', 'home'))).toBe('/home/alice');
  });

  it('gives the root for no names', () => {
    expect(directoryFromNames([])).toBe('/');
  });
});

describe('climbsOutOfOwnName', () => {
  it('is true where ".." follows a name of the argument', () => {
    expect(climbsOutOfOwnName('link/../file')).toBe(true);
    expect(climbsOutOfOwnName('a/b/..')).toBe(true);
  });

  it('is false where ".." only climbs out of the starting directory', () => {
    expect(climbsOutOfOwnName('../file')).toBe(false);
    expect(climbsOutOfOwnName('./../../file')).toBe(false);
    expect(climbsOutOfOwnName('plain/file')).toBe(false);
  });
});

describe('resolveDeletionPath', () => {
  it('keeps an absolute argument, normalised', () => {
    expect(resolve('/tmp//build/./out.o')).toEqual(expect.objectContaining({ path: '/tmp/build/out.o', complete: true }));
  });

  it('joins a relative argument to the directory it was relative to', () => {
    expect(resolve('notes.txt', names('alice', 'home'))).toEqual(expect.objectContaining({ path: '/home/alice/notes.txt', complete: true }));
  });

  it('climbs out of the starting directory with ".." by text', () => {
    expect(resolve('../../etc/passwd', names('src', 'project', 'home'))).toEqual(
      expect.objectContaining({ path: '/home/etc/passwd', complete: true }),
    );
  });

  it('stops ".." at the root', () => {
    expect(resolve('../../../x', names('home')).path).toBe('/x');
  });

  it('resolves a relative argument against the root', () => {
    expect(resolve('file', []).path).toBe('/file');
  });

  it('treats "." and ".." as the directories they name, not as file names', () => {
    expect(resolve('.', names('b', 'a')).path).toBe('/a/b');
    expect(resolve('..', names('b', 'a')).path).toBe('/a');
  });

  it('drops a trailing slash from a directory argument', () => {
    expect(resolve('build/', names('project')).path).toBe('/project/build');
  });

  it('keeps bytes that are not UTF-8 exactly', () => {
    const name = Buffer.from([0x63, 0xe9, 0xff]);
    const resolved = resolve(name, [Buffer.from([0xfe, 0x41])]);
    expect(resolved.bytes).toEqual(Buffer.concat([Buffer.from('/'), Buffer.from([0xfe, 0x41]), Buffer.from('/'), name]));
  });

  describe('where the kernel walk was cut short', () => {
    it('starts the path with "…/" and marks it incomplete', () => {
      expect(resolve('file', names('c', 'b'), false)).toEqual(expect.objectContaining({ path: '…/b/c/file', complete: false }));
    });

    it('gives just the argument where no directory is known', () => {
      expect(resolve('file', undefined, false)).toEqual(expect.objectContaining({ path: '…/file', complete: false }));
    });

    it('applies ".." within what is known', () => {
      expect(resolve('../file', names('c', 'b'), false).path).toBe('…/b/file');
    });
  });

  describe('where the argument climbs out of one of its own names', () => {
    let root: string;
    beforeAll(() => {
      root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-paths-')));
      fs.mkdirSync(path.join(root, 'real/parent/target'), { recursive: true });
      fs.mkdirSync(path.join(root, 'work'));
      fs.symlinkSync(path.join(root, 'real/parent/target'), path.join(root, 'work/link'));
    });
    afterAll(() => {
      fs.rmSync(root, { recursive: true, force: true });
    });

    it('asks the file system, since a symbolic link\'s ".." is its target\'s parent', () => {
      const work = root.split('/').filter(Boolean).concat('work').reverse();
      const resolved = resolve('link/../victim', names(...work), true, realDirectory);
      expect(resolved).toEqual(expect.objectContaining({ path: `${root}/real/parent/victim`, complete: true }));
    });

    it('marks the path incomplete where the file system no longer knows the directory', () => {
      const resolved = resolve('/gone/link/../victim', undefined, true, realDirectory);
      expect(resolved).toEqual(expect.objectContaining({ path: '/gone/victim', complete: false }));
    });
  });
});

describe('textOf', () => {
  it('gives UTF-8 text without base64', () => {
    expect(textOf(Buffer.from('/tmp/café ✓'))).toEqual({ text: '/tmp/café ✓' });
  });

  it('adds base64 of the exact bytes where they are not UTF-8', () => {
    const bytes = Buffer.from([0x2f, 0x78, 0xff, 0xc0, 0x80]);
    const text = textOf(bytes);
    expect(Buffer.from(text.base64!, 'base64')).toEqual(bytes);
    expect(text.text).toBe('/x\ufffd\ufffd\ufffd');
  });
});

describe('textOfBinary', () => {
  it('gives an ASCII path as it is', () => {
    expect(textOfBinary('/tmp/build/out.o')).toEqual({ text: '/tmp/build/out.o' });
  });

  it('decodes the UTF-8 bytes of a binary string', () => {
    expect(textOfBinary(Buffer.from('/tmp/café ✓').toString('latin1'))).toEqual({ text: '/tmp/café ✓' });
  });

  it('adds base64 of the exact bytes where they are not UTF-8', () => {
    const bytes = Buffer.from([0x2f, 0x78, 0xff]);
    expect(textOfBinary(bytes.toString('latin1'))).toEqual({ text: '/x\ufffd', base64: bytes.toString('base64') });
  });
});
