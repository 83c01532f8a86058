// Absolute, normalised paths from what the kernel reports.
//
// Linux paths are bytes. The arithmetic here works on "binary" strings (one
// character per byte, Node's 'latin1' encoding), so that no byte sequence is
// ever split or replaced; only the finished path is decoded as UTF-8.
// ARCHITECTURE.md, "Path resolution", says what a path is and when it is
// known only in part.
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';

import { normalizeAbsolute, trimTrailingSlashes } from '../common/directories';

/** Starts a path whose beginning the kernel's walk did not reach. */
export const UNKNOWN_START = '…';

export interface ResolvedPath {
  /** The path's bytes as a binary string: absolute, or starting with "…/" where incomplete. */
  binary: string;
  /** False where the path could not be resolved all the way to the root. */
  complete: boolean;
}

export interface DeletionPathParts {
  pathArg: Buffer;
  /** For a relative pathArg: the directories it is relative to, innermost first. */
  directoryNames: Buffer[] | undefined;
  /** Whether those names reach the root. */
  directoryComplete: boolean;
}

/** Resolves a directory that still exists, symlinks and all; undefined if it cannot. */
export type RealDirectory = (binaryPath: string) => string | undefined;

/**
 * The absolute path that a deletion named. A relative argument is joined to
 * the directory the kernel resolved at the time of the call; "." and ".."
 * are then removed. Removing ".." by text is only right when the name before
 * it is not a symbolic link, so where the argument itself climbs out of one
 * of its own names ("a/../b"), the directory holding the last name is asked
 * of the file system instead; if it is gone, the path is marked incomplete.
 */
export function resolveDeletionPath(parts: DeletionPathParts, realDirectory: RealDirectory): ResolvedPath {
  const argument = parts.pathArg.toString('latin1');
  const relative = !argument.startsWith('/');
  if (relative && (!parts.directoryNames || !parts.directoryComplete)) {
    const knownTail = [...(parts.directoryNames ?? [])].reverse().map((name) => name.toString('latin1'));
    const tail = path.posix.normalize([...knownTail, argument].join('/'));
    return { binary: UNKNOWN_START_BINARY + trimTrailingSlashes(tail), complete: false };
  }
  const base = relative ? directoryFromNames(parts.directoryNames ?? []) : '';
  // What rm -r, find -delete and most deleters pass: one name in a directory
  // the kernel named, neither of which can hold "." or ".." parts.
  if (relative && isPlainName(argument)) return { binary: base === '/' ? `/${argument}` : `${base}/${argument}`, complete: true };
  const joined = relative ? `${base}/${argument}` : argument;
  if (climbsOutOfOwnName(argument)) {
    const { directory, lastName } = splitLastName(joined);
    const real = realDirectory(directory);
    if (real !== undefined) return { binary: normalizeAbsolute(`${real}/${lastName}`), complete: true };
    return { binary: normalizeAbsolute(joined), complete: false };
  }
  return { binary: normalizeAbsolute(joined), complete: true };
}

/** A name without "/" that is neither "." nor "..". */
function isPlainName(argument: string): boolean {
  return argument !== '' && argument !== '.' && argument !== '..' && !argument.includes('/');
}

/** "/a/b" from the innermost-first names ["b", "a"]. */
export function directoryFromNames(innermostFirst: Buffer[]): string {
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

function splitLastName(joined: string): { directory: string; lastName: string } {
  const trimmed = trimTrailingSlashes(joined);
  const slash = trimmed.lastIndexOf('/');
  return { directory: trimmed.slice(0, slash) || '/', lastName: trimmed.slice(slash + 1) };
}

/** "…/" as the binary string of its UTF-8 bytes. */
const UNKNOWN_START_BINARY = Buffer.from(`${UNKNOWN_START}/`, 'utf8').toString('latin1');

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

const NOT_ASCII = /[^\x00-\x7f]/;

/** textOf() for the bytes of a binary string. */
export function textOfBinary(binary: string): TextWithBytes {
  // Most paths are ASCII, whose binary string is already their text: no bytes to decode.
  return NOT_ASCII.test(binary) ? textOf(Buffer.from(binary, 'latin1')) : { text: binary };
}
