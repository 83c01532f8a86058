// The host's path of a deletion, and the path the process saw, from what the
// kernel reports (helper/paths/kernelPaths.ts).
import { describe, expect, it } from 'vitest';

import {
  binaryOf,
  climbsOutOfOwnName,
  directoryFromNames,
  resolveDeletionPath,
  textOf,
  textOfBinary,
  type DeletionPathParts,
  type HostPathOf,
} from '../../../../helper/paths/kernelPaths';

const names = (...innermostFirst: string[]): Buffer[] => innermostFirst.map((name) => Buffer.from(name));

/** The kernel's dev_t: major in the top 12 bits, minor in the low 20. */
const dev = (major: number, minor: number): number => major * 2 ** 20 + minor;

/** For deletions in the helper's own mount namespace, whose names already reach the host's root. */
const hostMountsNotAsked: HostPathOf = (device, filesystemPath) => {
  throw new Error(`the host's mounts were asked about ${filesystemPath} on ${device}`);
};

/** The host's mounts, as a table of "dev filesystem-path" to host path; unknown pairs are not mounted on the host. */
function hostMounts(table: Record<string, string>): HostPathOf & { asked: string[] } {
  const asked: string[] = [];
  const hostPathOf = (device: number, filesystemPath: string): string | undefined => {
    asked.push(`${device} ${filesystemPath}`);
    return table[`${device} ${filesystemPath}`];
  };
  return Object.assign(hostPathOf, { asked });
}

/**
 * Where the kernel puts the own name (find_own_name() in bpf/deletions.bpf.c):
 * after the last "/" that is followed by something other than slashes.
 */
function ownNameAt(argument: string): number {
  let end = argument.length;
  while (end > 1 && argument[end - 1] === '/') end--;
  return argument.lastIndexOf('/', end - 1) + 1;
}

/**
 * One deletion as the kernel reports it. By default the kernel found the
 * directory, walked it up to the root, and the process's root is the host's.
 */
function deletion(pathArg: string | Buffer, overrides: Partial<DeletionPathParts> = {}): DeletionPathParts {
  const bytes = Buffer.from(pathArg);
  const directoryNames = overrides.directoryNames ?? [];
  return {
    pathArg: bytes.toString('latin1'),
    nameAt: ownNameAt(bytes.toString('latin1')),
    lookupFrom: 0,
    lookupFailed: false,
    directoryNames,
    directoryComplete: true,
    namesBelowRoot: directoryNames.length,
    ...overrides,
  };
}

/** The resolved paths as the user reads them. `isPhysicalDirectory`: what the file system would say of a directory the text names. */
function resolve(
  parts: DeletionPathParts,
  hostPathOf: HostPathOf = hostMountsNotAsked,
  isPhysicalDirectory = (_directory: string): boolean => true,
) {
  const resolved = resolveDeletionPath(parts, hostPathOf, isPhysicalDirectory);
  const text = (binary: string): string => Buffer.from(binary, 'latin1').toString();
  return {
    path: text(resolved.binary),
    complete: resolved.complete,
    processPath: resolved.processBinary === undefined ? undefined : text(resolved.processBinary),
  };
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
  describe("in the helper's own mount namespace", () => {
    it("joins the name to the directory the kernel named, up to the host's root", () => {
      expect(resolve(deletion('notes.txt', { directoryNames: names('alice', 'home') }))).toEqual({
        path: '/home/alice/notes.txt',
        complete: true,
        processPath: undefined,
      });
    });

    it('puts the name in the root directory where the kernel named no directories', () => {
      expect(resolve(deletion('/file', { directoryNames: [] }))).toEqual({
        path: '/file',
        complete: true,
        processPath: undefined,
      });
    });

    it("takes the directory of an absolute argument from the kernel, not from the argument's text", () => {
      // /home/alice/link is a symbolic link to /data/target.
      const resolved = resolve(deletion('/home/alice/link/notes.txt', { directoryNames: names('target', 'data') }));
      expect(resolved).toEqual(expect.objectContaining({ path: '/data/target/notes.txt', complete: true }));
    });

    it('gives a symbolic link\'s ".." as the kernel followed it: to its target\'s parent', () => {
      // link -> /real/parent/target, so link/.. is /real/parent.
      const resolved = resolve(deletion('link/../victim', { directoryNames: names('parent', 'real') }));
      expect(resolved).toEqual(expect.objectContaining({ path: '/real/parent/victim', complete: true }));
    });

    it('names a directory argument by its own name where it ends in slashes', () => {
      const parts = deletion('a/b//', { nameAt: 2, directoryNames: names('a', 'project') });
      expect(resolve(parts)).toEqual(expect.objectContaining({ path: '/project/a/b', complete: true }));
    });

    it('keeps bytes that are not UTF-8 exactly', () => {
      const name = Buffer.from([0x63, 0xe9, 0xff]);
      const directory = Buffer.from([0xfe, 0x41]);
      const resolved = resolveDeletionPath(deletion(name, { directoryNames: [directory] }), hostMountsNotAsked);
      expect(Buffer.from(resolved.binary, 'latin1')).toEqual(
        Buffer.concat([Buffer.from('/'), directory, Buffer.from('/'), name]),
      );
    });
  });

  describe('in a chroot', () => {
    // The process's root is /srv/jail: two of the names lie above it.
    const inJail = (pathArg: string, overrides: Partial<DeletionPathParts> = {}): DeletionPathParts =>
      deletion(pathArg, { directoryNames: names('logs', 'var', 'jail', 'srv'), namesBelowRoot: 2, ...overrides });

    it("gives the host's path, and the path the process saw below its root", () => {
      expect(resolve(inJail('old.log'))).toEqual({
        path: '/srv/jail/var/logs/old.log',
        complete: true,
        processPath: '/var/logs/old.log',
      });
    });

    it('gives the process\'s root itself as "/" to the process', () => {
      const resolved = resolve(deletion('/file', { directoryNames: names('jail', 'srv'), namesBelowRoot: 0 }));
      expect(resolved).toEqual({ path: '/srv/jail/file', complete: true, processPath: '/file' });
    });

    it("gives no process path where the directory lies outside the process's root", () => {
      // A working directory kept from before the chroot: the walk never passed the root.
      const resolved = resolve(deletion('file', { directoryNames: names('build', 'home'), namesBelowRoot: undefined }));
      expect(resolved).toEqual({ path: '/home/build/file', complete: true, processPath: undefined });
    });
  });

  describe('where the kernel could not find the directory', () => {
    // The names are then those of the base the lookup started from, and the
    // argument from lookupFrom up to the own name is joined to them as text.
    const failed = (pathArg: string, overrides: Partial<DeletionPathParts> = {}): DeletionPathParts =>
      deletion(pathArg, { lookupFailed: true, ...overrides });

    it("joins an absolute argument's text to the host's root, complete", () => {
      expect(resolve(failed('/var//cache/./pkg/old.deb'))).toEqual({
        path: '/var/cache/pkg/old.deb',
        complete: true,
        processPath: undefined,
      });
    });

    it("joins a relative argument's text to the directory it is relative to, complete", () => {
      const resolved = resolve(failed('slow/notes.txt', { directoryNames: names('alice', 'home') }));
      expect(resolved).toEqual(expect.objectContaining({ path: '/home/alice/slow/notes.txt', complete: true }));
    });

    it('climbs out of the base with a leading ".." by text, complete', () => {
      const resolved = resolve(failed('../slow/file', { directoryNames: names('src', 'project') }));
      expect(resolved).toEqual(expect.objectContaining({ path: '/project/slow/file', complete: true }));
    });

    it('joins only the text after a /proc link to the directory the link leads to', () => {
      const parts = failed('/proc/self/fd/3/slow/file', {
        lookupFrom: '/proc/self/fd/3/'.length,
        directoryNames: names('build', 'project'),
      });
      expect(resolve(parts)).toEqual(expect.objectContaining({ path: '/project/build/slow/file', complete: true }));
    });

    it('marks the path incomplete where a symbolic link leads to the directory the text names', () => {
      const throughLink = (directory: string): boolean => directory !== '/home/alice/slowlink';
      const resolved = resolve(
        failed('slowlink/file', { directoryNames: names('alice', 'home') }),
        hostMountsNotAsked,
        throughLink,
      );
      expect(resolved).toEqual(expect.objectContaining({ path: '/home/alice/slowlink/file', complete: false }));
    });

    it('marks the path incomplete where a ".." follows one of the argument\'s names, which may be a symbolic link', () => {
      const resolved = resolve(failed('slowlink/../file', { directoryNames: names('alice', 'home') }));
      expect(resolved).toEqual(expect.objectContaining({ path: '/home/alice/file', complete: false }));
    });

    it('marks the path incomplete in a chroot, where the text was read from another root', () => {
      const resolved = resolve(failed('/slow/file', { directoryNames: names('jail', 'srv'), namesBelowRoot: 0 }));
      expect(resolved).toEqual({ path: '/srv/jail/slow/file', complete: false, processPath: '/slow/file' });
    });
  });

  describe('where the walk up stopped short', () => {
    it('starts the path with "…/" and the names the walk found, incomplete', () => {
      const resolved = resolve(
        deletion('file', { directoryNames: names('c', 'b'), directoryComplete: false, namesBelowRoot: undefined }),
      );
      expect(resolved).toEqual({ path: '…/b/c/file', complete: false, processPath: undefined });
    });

    it("gives just the argument's text where no directory is known", () => {
      const parts = deletion('x/file', {
        lookupFailed: true,
        directoryNames: [],
        directoryComplete: false,
        namesBelowRoot: undefined,
      });
      expect(resolve(parts)).toEqual({ path: '…/x/file', complete: false, processPath: undefined });
    });

    it('applies ".." within what is known', () => {
      const parts = deletion('../file', {
        lookupFailed: true,
        directoryNames: names('c', 'b'),
        directoryComplete: false,
        namesBelowRoot: undefined,
      });
      expect(resolve(parts).path).toBe('…/b/file');
    });
  });

  describe('in another mount namespace', () => {
    const SDA2 = dev(8, 2);
    const TMPFS = dev(0, 61);

    // A container's /app is a bind mount of the host's /home/alice/project,
    // whose file system (sda2) the host mounts at /home: the directory
    // /app/cache is /alice/project/cache inside sda2.
    const inApp = (pathArg: string | Buffer, overrides: Partial<DeletionPathParts> = {}): DeletionPathParts =>
      deletion(pathArg, {
        directoryNames: names('cache', 'app'),
        namesBelowRoot: 2,
        foreign: {
          filesystemDev: SDA2,
          namesBelowMountRoot: 1,
          filesystemNames: names('project', 'alice'),
          filesystemComplete: true,
        },
        ...overrides,
      });
    const host = hostMounts({
      [`${SDA2} /alice/project/cache`]: '/home/alice/project/cache',
      [`${SDA2} /alice/project`]: '/home/alice/project',
    });

    it('finds the directory on the host by its file system and its path inside it', () => {
      const asked = hostMounts({ [`${SDA2} /alice/project/cache`]: '/home/alice/project/cache' });
      expect(resolve(inApp('old.bin'), asked)).toEqual({
        path: '/home/alice/project/cache/old.bin',
        complete: true,
        processPath: '/app/cache/old.bin',
      });
      expect(asked.asked).toEqual([`${SDA2} /alice/project/cache`]);
    });

    it('gives the file system\'s own root as "/" where the mount is of all of it', () => {
      const parts = deletion('x', {
        directoryNames: names('data'),
        namesBelowRoot: 1,
        foreign: { filesystemDev: SDA2, namesBelowMountRoot: 0, filesystemNames: [], filesystemComplete: true },
      });
      expect(resolve(parts, hostMounts({ [`${SDA2} /`]: '/mnt/disk' }))).toEqual({
        path: '/mnt/disk/x',
        complete: true,
        processPath: '/data/x',
      });
    });

    it('still finds the directory on the host where the walk stopped above its mount', () => {
      const resolved = resolve(inApp('old.bin', { directoryComplete: false, namesBelowRoot: undefined }), host);
      expect(resolved).toEqual({ path: '/home/alice/project/cache/old.bin', complete: true, processPath: undefined });
    });

    it("gives only what is known where the lookup failed, since the text was read in the process's own mounts", () => {
      // The lookup started from the working directory, /app: the mount's root.
      const parts = inApp('slow/old.bin', {
        lookupFailed: true,
        directoryNames: names('app'),
        namesBelowRoot: 1,
        foreign: {
          filesystemDev: SDA2,
          namesBelowMountRoot: 0,
          filesystemNames: names('project', 'alice'),
          filesystemComplete: true,
        },
      });
      expect(resolve(parts, host)).toEqual({
        path: '…/alice/project/slow/old.bin',
        complete: false,
        processPath: '/app/slow/old.bin',
      });
    });

    it("gives what is known of the file system path where the host has not mounted the file system (a container's private tmpfs)", () => {
      const parts = deletion('x', {
        directoryNames: names('build', 'tmp'),
        namesBelowRoot: 2,
        foreign: { filesystemDev: TMPFS, namesBelowMountRoot: 1, filesystemNames: [], filesystemComplete: true },
      });
      expect(resolve(parts, hostMounts({}))).toEqual({
        path: '…/build/x',
        complete: false,
        processPath: '/tmp/build/x',
      });
    });

    it("does not ask the host's mounts where the walk to the file system's root stopped short", () => {
      const parts = inApp('old.bin', {
        foreign: {
          filesystemDev: SDA2,
          namesBelowMountRoot: 1,
          filesystemNames: names('project'),
          filesystemComplete: false,
        },
      });
      expect(resolve(parts)).toEqual({
        path: '…/project/cache/old.bin',
        complete: false,
        processPath: '/app/cache/old.bin',
      });
    });

    it('keeps bytes that are not UTF-8 exactly, in both paths', () => {
      const name = Buffer.from([0x63, 0xe9, 0xff]);
      const resolved = resolveDeletionPath(inApp(name), host);
      expect(Buffer.from(resolved.binary, 'latin1')).toEqual(
        Buffer.concat([Buffer.from('/home/alice/project/cache/'), name]),
      );
      expect(Buffer.from(resolved.processBinary!, 'latin1')).toEqual(Buffer.concat([Buffer.from('/app/cache/'), name]));
    });
  });
});

describe('binaryOf', () => {
  it('gives one character per UTF-8 byte of the text', () => {
    expect(binaryOf('/tmp/é')).toBe('/tmp/\xc3\xa9');
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

describe('resolveDeletionPath on the edges', () => {
  const noHost = (): string | undefined => undefined;
  const parts = (
    overrides: Partial<Parameters<typeof resolveDeletionPath>[0]>,
  ): Parameters<typeof resolveDeletionPath>[0] => ({
    pathArg: 'x',
    nameAt: 0,
    lookupFrom: 0,
    lookupFailed: false,
    directoryNames: [],
    directoryComplete: true,
    namesBelowRoot: 0,
    ...overrides,
  });

  it('starts an unknown path with one "…/", also where the text was absolute', () => {
    const resolved = resolveDeletionPath(
      parts({
        pathArg: '/proc/4321/cwd/x',
        nameAt: 15,
        lookupFailed: true,
        directoryComplete: false,
        namesBelowRoot: undefined,
      }),
      noHost,
    );
    expect(resolved).toEqual({
      binary: '…/proc/4321/cwd/x'.replace('…', Buffer.from('…').toString('latin1')),
      complete: false,
    });
  });

  it("never climbs above the process's root with the text of a failed lookup", () => {
    const resolved = resolveDeletionPath(
      parts({
        pathArg: 'slowlink/../../../../x',
        nameAt: 21,
        lookupFailed: true,
        directoryNames: ['u', 'home', 'jail'].map((name) => Buffer.from(name)),
        namesBelowRoot: 2,
      }),
      noHost,
    );
    expect(resolved).toEqual({ binary: '/jail/x', complete: false, processBinary: '/x' });
  });

  it('leaves out the file system names where the walk did not find the mount root among the names', () => {
    const resolved = resolveDeletionPath(
      parts({
        directoryNames: ['z', 'y'].map((name) => Buffer.from(name)),
        directoryComplete: false,
        namesBelowRoot: undefined,
        foreign: {
          filesystemDev: 1,
          namesBelowMountRoot: undefined,
          filesystemNames: [Buffer.from('vol')],
          filesystemComplete: true,
        },
      }),
      () => '/host',
    );
    expect(resolved.binary).toBe(`${Buffer.from('…').toString('latin1')}/y/z/x`);
    expect(resolved.complete).toBe(false);
  });

  it("keeps the process's path where the walk passed its root and then stopped", () => {
    const resolved = resolveDeletionPath(
      parts({
        directoryNames: ['u', 'home', 'jail'].map((name) => Buffer.from(name)),
        directoryComplete: false,
        namesBelowRoot: 2,
      }),
      noHost,
    );
    expect(resolved.processBinary).toBe('/home/u/x');
    expect(resolved.complete).toBe(false);
  });
});
