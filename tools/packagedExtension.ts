// The packaged extension (.vsix) that `npm run package` writes: the newest
// one under build/ or in the repository root. SYSCALL_TRACE_VSIX names another.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function packagedExtension(repoRoot: string): string {
  const chosen = process.env.SYSCALL_TRACE_VSIX;
  if (chosen) {
    if (!fs.existsSync(chosen)) throw new Error(`SYSCALL_TRACE_VSIX names ${chosen}, which does not exist`);
    return path.resolve(chosen);
  }
  const newest = [path.join(repoRoot, 'build'), repoRoot]
    .filter((dir) => fs.existsSync(dir))
    .flatMap((dir) =>
      fs
        .readdirSync(dir)
        .filter((name) => name.endsWith('.vsix'))
        .map((name) => path.join(dir, name)),
    )
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!newest) throw new Error(`no .vsix under ${repoRoot}/build or in ${repoRoot}: run \`npm run package\` first`);
  return newest;
}
