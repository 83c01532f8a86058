// A workspace opened through a symbolic link, as many people open theirs
// (~/project → /data/project): the helper reports every deletion by its
// physical path, and the view must still file each one under the folder,
// whether the deleter named it through the link, by its real path, or from
// another mount namespace (as a container does). The hover tells what the
// process itself saw.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { CodeServer } from '../../tools/codeServer';
import { packagedExtension } from '../../tools/packagedExtension';
import { findRepoRoot } from '../../tools/repoRoot';
import { Workbench } from '../support/e2e/workbench';

describe('a workspace opened through a symbolic link', () => {
  let root: string;
  let real: string;
  let link: string;
  let mountPoint: string;
  let server: CodeServer;
  let workbench: Workbench;

  const deletions = () => workbench.tree('Deletions');
  const row = (text: string) => workbench.treeItem(deletions(), text);

  beforeAll(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'syscall-trace-e2e-link-')));
    real = path.join(root, 'real-project');
    link = path.join(root, 'project-link');
    mountPoint = path.join(root, 'container-view');
    for (const file of ['src/through-link.txt', 'src/by-real-path.txt', 'from-container.txt']) {
      fs.mkdirSync(path.dirname(path.join(real, file)), { recursive: true });
      fs.writeFileSync(path.join(real, file), 'text\n');
    }
    fs.mkdirSync(mountPoint);
    fs.symlinkSync(real, link);
    server = await CodeServer.start({ open: link, vsix: packagedExtension(findRepoRoot()) });
    workbench = await Workbench.open(server.url, server.password);
    await workbench.startTracing();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await workbench?.screenshot(`failed ${task.name}`);
  });

  afterAll(async () => {
    await workbench?.close();
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('files every deletion under the folder, however the deleter named it', async () => {
    execFileSync('rm', [path.join(link, 'src/through-link.txt')]);
    execFileSync('sh', ['-c', 'cd "$1" && rm by-real-path.txt', 'sh', path.join(real, 'src')]);
    execFileSync('unshare', [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$1" "$2" && rm "$2/from-container.txt"',
      'sh',
      real,
      mountPoint,
    ]);

    await expect.poll(async () => (await workbench.deletionCount.innerText()).trim()).toBe('3');
    await expect.poll(() => workbench.rowDescription(row('project-link'))).toBe('3 deletions');
    await workbench.expand(row('src'));
    await row('through-link.txt').waitFor();
    await row('by-real-path.txt').waitFor();
    await row('from-container.txt').waitFor();
    await workbench.screenshot('symlinked-workspace');
  });

  it('shows in the hover the path the process in the other mount namespace saw', async () => {
    const hover = await workbench.hoverText(row('from-container.txt'));
    expect(hover).toContain(path.join(real, 'from-container.txt'));
    expect(hover).toContain(`Seen by the process as: ${mountPoint}/from-container.txt`);
    expect(hover).toMatch(/Mount namespace: \d+ \(not the host.s\)/);
    await workbench.dismissHover();
  });
});
