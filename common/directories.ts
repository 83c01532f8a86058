// Which directory holds a path: the one rule behind the helper's scope (which
// deletions it reports) and the view's folder filter (which of them a
// workspace folder shows), so that the two can never disagree.
//
// Paths here are absolute and normalised by normalizeAbsolute(). They may be
// text or "binary" strings (one character per byte, as helper/paths/kernelPaths.ts keeps
// them): every rule below looks at "/" and "." only, which are the same byte
// in both.
import * as path from 'node:path';

const SLASH = 0x2f;

/** An absolute path without ".", "..", empty parts or a trailing slash. */
export function normalizeAbsolute(absolute: string): string {
  return trimTrailingSlashes(path.posix.normalize(absolute));
}

export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 1 && text.charCodeAt(end - 1) === SLASH) end--;
  return text.slice(0, end);
}

/**
 * Whether `absolute` is `directory` or lies below it. A path known only in
 * part ("…/b/file", see docs/path-resolution.md, "Path resolution") lies below no
 * directory, not even "/".
 */
export function isAtOrBelow(absolute: string, directory: string): boolean {
  if (directory === '/') return absolute.charCodeAt(0) === SLASH;
  return (
    absolute.startsWith(directory) &&
    (absolute.length === directory.length || absolute.charCodeAt(directory.length) === SLASH)
  );
}

/** Directories whose deletions are wanted, or undefined for the whole system. */
export type PathScope = readonly string[] | undefined;

/** Whether `absolute` is at or below one of the scope's directories. */
export function isInScope(absolute: string, scope: PathScope): boolean {
  if (scope === undefined) return true;
  for (const directory of scope) if (isAtOrBelow(absolute, directory)) return true;
  return false;
}

/**
 * Whether a deletion is in the scope: its path is. A rename belongs wherever
 * either of its paths is: what left a folder, and what arrived in one.
 */
export function isEventInScope(event: { path: string; movedTo?: string }, scope: PathScope): boolean {
  return isInScope(event.path, scope) || (event.movedTo !== undefined && isInScope(event.movedTo, scope));
}
