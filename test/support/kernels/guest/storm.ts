// A 2,000-file tree deleted with rm -rf while the trace runs: every file and
// directory must be reported, none lost.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { GUEST_COREUTILS } from '../guestLayout';
import { mustRun } from './commands';

export const STORM_NAME = 'storm';
const FOLDERS = 4;
const FILES_PER_FOLDER = 500;

/** Makes the tree, deletes it, and returns the host's paths of everything it held. */
export async function deleteStormTree(folder: string): Promise<string[]> {
  const tree = path.join(folder, `${STORM_NAME}-tree`);
  const deleted: string[] = [];
  for (let d = 0; d < FOLDERS; d++) {
    const dir = path.join(tree, `d${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES_PER_FOLDER; f++) {
      const victim = path.join(dir, `f${f}`);
      fs.writeFileSync(victim, '');
      deleted.push(victim);
    }
    deleted.push(dir);
  }
  deleted.push(tree);
  await mustRun(`${GUEST_COREUTILS}/rm`, ['-rf', tree], { timeoutMs: 120_000 });
  return deleted;
}
