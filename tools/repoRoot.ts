import * as fs from 'node:fs';
import * as path from 'node:path';

/** The directory of this repository's package.json, from the sources or from a bundle under build/. */
export function findRepoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}
