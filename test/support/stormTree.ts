// The tree of a deletion storm, as `rm -rf` of a large tree meets it: 100
// directories of 1,000 empty files each, in a scratch directory on a tmpfs of
// its own. On a disk, making 100,000 files can take a minute, and what the
// storm tests is the same for any file system.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { mountTmpfs, unmount } from './mounts';
import { makeScratchDirectory, removeScratchDirectory } from './scratch';

const DIRECTORIES = 100;
const FILES_PER_DIRECTORY = 1000;

export interface StormTree {
  /** The scratch directory, on its tmpfs; the tree is `tree` in it. */
  directory: string;
  /** Every path of the tree, `tree` itself included: what `rm -rf tree` deletes. */
  paths: Set<string>;
}

export function makeStormTree(): StormTree {
  const directory = makeScratchDirectory();
  mountTmpfs(directory, '256m');
  const tree = path.join(directory, 'tree');
  const paths = new Set([tree]);
  fs.mkdirSync(tree);
  for (let d = 0; d < DIRECTORIES; d++) {
    const subdirectory = path.join(tree, `dir${d}`);
    fs.mkdirSync(subdirectory);
    paths.add(subdirectory);
    for (let f = 0; f < FILES_PER_DIRECTORY; f++) {
      const file = path.join(subdirectory, `file${f}`);
      fs.closeSync(fs.openSync(file, 'w'));
      paths.add(file);
    }
  }
  return { directory, paths };
}

/** Unmounts the storm's tmpfs and removes its scratch directory. */
export function removeStormTree(storm: StormTree): void {
  unmount(storm.directory);
  removeScratchDirectory(storm.directory);
}
