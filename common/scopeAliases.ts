// The names a directory's deletions may be reported under: the path as it was
// given (a workspace folder opened through a symlink, /home/u/link) and the
// path the file system resolves it to (/data/ws). The helper reports a
// deletion by its physical path, so both the helper's scope and the view's
// folders match against every alias, by the one rule of common/directories.ts.
import * as fs from 'node:fs';

import { isAtOrBelow, normalizeAbsolute } from './directories';

/** The real path of an absolute path (symlinks resolved), or undefined where it cannot be had. */
export type RealPath = (absolute: string) => string | undefined;

/** The file system's answer; a directory that is not there (yet) has none. */
export function defaultRealPath(absolute: string): string | undefined {
  try {
    return fs.realpathSync.native(absolute);
  } catch {
    return undefined;
  }
}

/**
 * Each path normalised, followed by its real path where that differs and
 * exists; no path twice, in the order given. A path that does not exist is
 * kept as given: that is all there is to match it by.
 */
export function withRealPathAliases(paths: readonly string[], realPath: RealPath = defaultRealPath): string[] {
  const aliases = new Set<string>();
  for (const given of paths) {
    const normalized = normalizeAbsolute(given);
    aliases.add(normalized);
    const real = realPath(normalized);
    if (real !== undefined) aliases.add(normalizeAbsolute(real));
  }
  return [...aliases];
}

/**
 * The alias that `absolute` is at or below, the longest where several hold
 * it (one alias may lie inside another), or undefined. Its position below
 * that alias is its position below the directory the aliases name.
 */
export function aliasHolding(absolute: string, aliases: readonly string[]): string | undefined {
  let holding: string | undefined;
  for (const alias of aliases) {
    if (isAtOrBelow(absolute, alias) && (holding === undefined || alias.length > holding.length)) holding = alias;
  }
  return holding;
}
