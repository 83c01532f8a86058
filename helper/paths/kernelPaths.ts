// Absolute, normalised paths from what the kernel reports.
//
// Linux paths are bytes. The arithmetic here works on "binary" strings (one
// character per byte, Node's 'latin1' encoding), so that no byte sequence is
// ever split or replaced; only the finished path is decoded as UTF-8.
// docs/path-resolution.md, "Path resolution", says what a path is and when it is
// known only in part.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { normalizeAbsolute, trimTrailingSlashes } from '../../common/directories';

/** Starts a path whose beginning is not known. */
export const UNKNOWN_START = '…';

export interface ResolvedPath {
  /** The host's path, as a binary string: absolute, or starting with "…/" where incomplete. */
  binary: string;
  /** False where the host's path is not known in full. */
  complete: boolean;
  /** The path the process saw, in its own root and mount namespace, where known. */
  processBinary?: string;
}

/** What the kernel found for one deletion (bpf/deletions.h, struct deletion_record). */
export interface DeletionPathParts {
  /** As a binary string (one character per byte). */
  pathArg: string;
  /** Where the deleted entry's own name starts in pathArg. */
  nameAt: number;
  /** Where the part of pathArg that is relative to the lookup's base starts. */
  lookupFrom: number;
  /** The kernel could not find the directory: directoryNames name the base, and pathArg[lookupFrom, nameAt) is joined as text. */
  lookupFailed: boolean;
  /** The directory's names, innermost first. */
  directoryNames: readonly Buffer[];
  /** directoryFromNames(directoryNames), where it was made once for many records. */
  directoryPath?: string;
  /** Whether the walk up reached its end. */
  directoryComplete: boolean;
  /** How many of directoryNames lie below the process's root; undefined where the walk never passed it. */
  namesBelowRoot: number | undefined;
  /** Present where the process is in another mount namespace than the helper. */
  foreign?: {
    filesystemDev: number;
    namesBelowMountRoot: number | undefined;
    filesystemNames: readonly Buffer[];
    filesystemComplete: boolean;
  };
}

/** The host's path of a directory given by its file system and its path inside it (HostMounts.hostPath). */
export type HostPathOf = (dev: number, filesystemPath: string) => string | undefined;

/**
 * The host's path of a deletion, and the path the process saw. The kernel
 * found the directory that held the deleted name and named it physically
 * (docs/path-resolution.md, "Path resolution"); the name is joined to it. For the
 * helper's own mount namespace those names already reach the host's root;
 * for another, they reach the process's root, and the host's path comes from
 * the directory's path inside its file system, through the host's mounts.
 */
export function resolveDeletionPath(
  parts: DeletionPathParts,
  hostPathOf: HostPathOf,
  isPhysicalDirectory: (binary: string) => boolean = isPhysicalDirectoryNow,
): ResolvedPath {
  const argument = parts.pathArg;
  // What rm -r, find -delete and most deleters pass, on the host: one name in
  // a directory the kernel named to the host's root, which the process shares.
  if (
    parts.nameAt === 0 &&
    parts.foreign === undefined &&
    parts.directoryComplete &&
    !parts.lookupFailed &&
    parts.namesBelowRoot === parts.directoryNames.length &&
    isPlainName(argument)
  ) {
    const directory = parts.directoryPath ?? directoryFromNames(parts.directoryNames);
    return { binary: directory === '/' ? `/${argument}` : `${directory}/${argument}`, complete: true };
  }
  const ownName = trimTrailingSlashes(argument.slice(parts.nameAt)).replace(/^\/+/, '');
  // Only where the lookup failed is any of the argument's directory part left as text.
  const tail = joinRelative(parts.lookupFailed ? argument.slice(parts.lookupFrom, parts.nameAt) : '', ownName);
  const names = parts.directoryNames;
  const below = parts.namesBelowRoot;
  // Normalised from the process's root, as the kernel reads "..": never above it.
  const processBinary =
    below === undefined ? undefined : normalizeAbsolute(`${directoryFromNames(names.slice(0, below))}/${tail}`);
  // Text after a failed lookup names the file correctly only where it is
  // read as the process read it: from the host's own root, without a ".."
  // that could climb out of a symbolic link.
  const textIsExact =
    !parts.lookupFailed || (parts.foreign === undefined && below === names.length && !climbsOutOfOwnName(tail));

  let resolved: ResolvedPath;
  if (parts.foreign === undefined) {
    if (!parts.directoryComplete) {
      resolved = unknownStart(outermostFirst(names), tail);
    } else {
      const aboveRoot = below === undefined ? '' : directoryFromNames(names.slice(below));
      const binary =
        processBinary === undefined
          ? normalizeAbsolute(`${directoryFromNames(names)}/${tail}`)
          : joinAbsolute(aboveRoot, processBinary);
      // Joined text may pass through a symbolic link, which a physical path
      // must not: it is vouched for only where the directory it names is,
      // now, its own real path.
      const exact = textIsExact && (!parts.lookupFailed || isPhysicalDirectory(path.posix.dirname(binary)));
      resolved = { binary, complete: exact };
    }
  } else {
    const foreign = parts.foreign;
    // Without the mount root's place among the names, the file system's own names cannot be set beside them.
    const filesystemNames =
      foreign.namesBelowMountRoot === undefined
        ? []
        : [...names.slice(0, foreign.namesBelowMountRoot), ...foreign.filesystemNames];
    const filesystemPath = directoryFromNames(filesystemNames);
    const host =
      foreign.namesBelowMountRoot !== undefined && foreign.filesystemComplete
        ? hostPathOf(foreign.filesystemDev, filesystemPath)
        : undefined;
    if (host === undefined) {
      resolved = unknownStart(
        foreign.namesBelowMountRoot === undefined ? outermostFirst(names) : outermostFirst(filesystemNames),
        tail,
      );
    } else if (parts.lookupFailed) {
      // The text was read in the process's own mounts, which are not the host's.
      resolved = unknownStart(outermostFirst(filesystemNames), tail);
    } else {
      resolved = { binary: normalizeAbsolute(`${host}/${tail}`), complete: true };
    }
  }
  if (processBinary !== undefined && processBinary !== resolved.binary) resolved.processBinary = processBinary;
  return resolved;
}

/** Whether the directory at `binary` (latin1 bytes) exists and no symbolic link leads to it. */
function isPhysicalDirectoryNow(binary: string): boolean {
  try {
    return fs.realpathSync.native(Buffer.from(binary, 'latin1'), { encoding: 'buffer' }).toString('latin1') === binary;
  } catch {
    return false;
  }
}

/** "…/a/b/tail": a path whose start is unknown, with what is known of its end. */
function unknownStart(knownOutermostFirst: string[], tail: string): ResolvedPath {
  const parts = [...knownOutermostFirst, tail.replace(/^\/+/, '')].filter((part) => part !== '');
  const known = parts.length === 0 ? '.' : path.posix.normalize(parts.join('/'));
  return { binary: UNKNOWN_START_BINARY + trimTrailingSlashes(known === '.' ? '' : known), complete: false };
}

function outermostFirst(innermostFirst: readonly Buffer[]): string[] {
  return [...innermostFirst].reverse().map(latin1);
}

/** "/a" + "/b/c"; either may be "/" or "" (nothing above the root). */
function joinAbsolute(above: string, absolute: string): string {
  if (above === '' || above === '/') return absolute;
  return absolute === '/' ? above : above + absolute;
}

/** A name without "/" that is neither "." nor "..". */
function isPlainName(argument: string): boolean {
  return argument !== '' && argument !== '.' && argument !== '..' && !argument.includes('/');
}

function joinRelative(directoryPart: string, name: string): string {
  if (directoryPart === '') return name;
  return name === '' ? directoryPart : `${directoryPart}/${name}`;
}

function latin1(name: Buffer): string {
  return name.toString('latin1');
}

/** "/a/b" from the innermost-first names ["b", "a"]. */
export function directoryFromNames(innermostFirst: readonly Buffer[]): string {
  let directory = '';
  for (let i = innermostFirst.length - 1; i >= 0; i--) directory += '/' + innermostFirst[i].toString('latin1');
  return directory || '/';
}

/** True where a ".." follows one of the argument's own names ("a/..", not "../a"). */
export function climbsOutOfOwnName(argument: string): boolean {
  let names = 0;
  for (const part of argument.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (names > 0) return true;
    } else {
      names++;
    }
  }
  return false;
}

/** "…/" as the binary string of its UTF-8 bytes. */
export const UNKNOWN_START_BINARY = Buffer.from(`${UNKNOWN_START}/`, 'utf8').toString('latin1');

/** The binary string of a text's UTF-8 bytes. */
export function binaryOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export interface TextWithBytes {
  text: string;
  /** base64 of the bytes, present only where they are not valid UTF-8. */
  base64?: string;
}

/** Text for JSON; bytes that are not UTF-8 are kept alongside in base64. */
export function textOf(bytes: Buffer): TextWithBytes {
  const text = bytes.toString('utf8');
  return isUtf8(bytes) ? { text } : { text, base64: bytes.toString('base64') };
}

const NOT_ASCII = /[\u0080-\uffff]/;

/** textOf() for the bytes of a binary string. */
export function textOfBinary(binary: string): TextWithBytes {
  // Most paths are ASCII, whose binary string is already their text: no bytes to decode.
  return NOT_ASCII.test(binary) ? textOf(Buffer.from(binary, 'latin1')) : { text: binary };
}
