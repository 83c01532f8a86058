// The deletions the matrix makes in every attach mode, one scenario each.
// Each makes its files in a folder of its own, deletes them the way its name
// says, and returns the host's paths of what it deleted. Every name a
// scenario deletes starts with the scenario's name, so that the deletions
// reported for it can be found even where their path is wrong.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ScenarioName } from '../guestRecords';
import { GUEST_COREUTILS, GUEST_PROGRAMS } from '../guestLayout';
import { mustRun } from './commands';

const RM = `${GUEST_COREUTILS}/rm`;
const RMDIR = `${GUEST_COREUTILS}/rmdir`;
const MV = `${GUEST_COREUTILS}/mv`;

export interface ScenarioFolders {
  /** Its own folder, inside the traced scope (outside it for outside-scope). */
  folder: string;
  /** A folder outside the scope that it may use, e.g. as a mount point. */
  elsewhere: string;
}

/** What a rename scenario took away: each source, and where it went. */
export interface Moved {
  deleted: string[];
  movedTo: string[];
}

type Scenario = (folders: ScenarioFolders, name: ScenarioName) => Promise<string[] | Moved>;

function file(at: string): string {
  fs.writeFileSync(at, 'deleted by the kernel matrix\n');
  return at;
}

/**
 * Whether the kernel's io_uring has unlinkat requests: its BTF then names
 * struct io_unlink (Linux 5.11 and later), as the addon's loader asks too.
 */
export async function hasIoUringUnlinkRequests(): Promise<boolean> {
  const btf = await fs.promises.readFile('/sys/kernel/btf/vmlinux');
  return btf.includes(Buffer.from('\0io_unlink\0'));
}

/**
 * Runs an io_uring fixture, which prints its arguments and the request's
 * result; false where the kernel's io_uring lacks the request (before 5.11:
 * EINVAL, and nothing is done).
 */
async function ranIoUringRequest(program: string, args: string[]): Promise<boolean> {
  const ran = await mustRun(`${GUEST_PROGRAMS}/${program}`, args);
  const printed = args.join(' ');
  if (ran.stdout.trim() === `${printed} -22` && !(await hasIoUringUnlinkRequests())) return false;
  if (ran.stdout.trim() !== `${printed} 0`) throw new Error(`${program} did not work: ${ran.stdout.trim()}`);
  return true;
}

export const SCENARIO_RUNS: Record<ScenarioName, Scenario> = {
  async absolute({ folder }, name) {
    const victim = file(path.join(folder, `${name}-file`));
    await mustRun(RM, [victim]);
    return [victim];
  },

  async relative({ folder }, name) {
    const victim = file(path.join(folder, `${name}-file`));
    await mustRun(RM, [path.basename(victim)], { cwd: folder });
    return [victim];
  },

  // GNU rm -r walks the tree with fts and deletes each entry with unlinkat()
  // relative to its open parent directory.
  async 'dirfd-tree'({ folder }, name) {
    const tree = path.join(folder, `${name}-tree`);
    fs.mkdirSync(path.join(tree, 'a/b'), { recursive: true });
    fs.mkdirSync(path.join(tree, 'c'));
    const deleted = [
      file(path.join(tree, 'a/b/one')),
      file(path.join(tree, 'a/two')),
      ...['a/b', 'a', 'c'].map((dir) => path.join(tree, dir)),
      tree,
    ];
    await mustRun(RM, ['-r', path.basename(tree)], { cwd: folder });
    return deleted;
  },

  async rmdir({ folder }, name) {
    const empty = path.join(folder, `${name}-empty`);
    fs.mkdirSync(empty);
    await mustRun(RMDIR, [empty]);
    return [empty];
  },

  async ia32({ folder }, name) {
    const victim = file(path.join(folder, `${name}-file`));
    await mustRun(`${GUEST_PROGRAMS}/deleter-32-static`, ['unlink', victim]);
    return [victim];
  },

  async 'io-uring'({ folder }, name) {
    const victim = file(path.join(folder, `${name}-file`));
    return (await ranIoUringRequest('io_uring_unlink-static', [victim])) ? [victim] : [];
  },

  // The file is deleted through a bind mount that only the deleting process's
  // mount namespace has; the host knows it under its source's path.
  async 'mount-namespace'({ folder, elsewhere }, name) {
    const source = path.join(folder, `${name}-source`);
    fs.mkdirSync(source);
    const victim = file(path.join(source, `${name}-file`));
    const mountPoint = path.join(elsewhere, `${name}-mount-point`);
    fs.mkdirSync(mountPoint);
    const script = `mount --bind ${source} ${mountPoint} && ${RM} ${mountPoint}/${name}-file`;
    await mustRun('/bin/busybox', ['unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', script]);
    return [victim];
  },

  async chroot({ folder }, name) {
    const root = path.join(folder, `${name}-root`);
    fs.mkdirSync(root);
    fs.copyFileSync(`${GUEST_PROGRAMS}/deleter-static`, path.join(root, 'deleter'));
    fs.chmodSync(path.join(root, 'deleter'), 0o755);
    const victim = file(path.join(root, `${name}-file`));
    await mustRun('/bin/busybox', ['chroot', root, '/deleter', 'unlink', `/${name}-file`]);
    return [victim];
  },

  async 'symlinked-directory'({ folder }, name) {
    const real = path.join(folder, `${name}-real`);
    fs.mkdirSync(real);
    const victim = file(path.join(real, `${name}-file`));
    const link = path.join(folder, `${name}-link`);
    fs.symlinkSync(real, link);
    await mustRun(RM, [path.join(link, `${name}-file`)]);
    return [victim];
  },

  // rm inherits the shell's descriptor 3 on the folder, and deletes through
  // its own /proc/self/fd/3.
  async 'proc-self-fd'({ folder }, name) {
    const victim = file(path.join(folder, `${name}-file`));
    await mustRun('/bin/sh', ['-c', `exec 3< ${folder} && exec ${RM} /proc/self/fd/3/${name}-file`]);
    return [victim];
  },

  async 'outside-scope'({ folder }, name) {
    const victim = file(path.join(folder, `${name}-file`));
    await mustRun(RM, [victim]);
    return [victim];
  },

  // GNU mv over a file just written, so in the dentry cache: the rename replaces it.
  async 'replace-by-mv'({ folder }, name) {
    const source = file(path.join(folder, `${name}-new`));
    const target = file(path.join(folder, `${name}-target`));
    await mustRun(MV, [source, target]);
    return { deleted: [source], movedTo: [target] };
  },

  // Out of the scope: reported all the same, its source being in it.
  async 'move-away'({ folder, elsewhere }, name) {
    const source = file(path.join(folder, `${name}-file`));
    const destination = path.join(elsewhere, `${name}-moved`);
    await mustRun(`${GUEST_PROGRAMS}/rename_flags-static`, ['rename', source, destination]);
    return { deleted: [source], movedTo: [destination] };
  },

  // renameat2 with RENAME_NOREPLACE through the ia32 table.
  async 'rename-32-bit'({ folder }, name) {
    const source = file(path.join(folder, `${name}-file`));
    const destination = path.join(folder, `${name}-moved`);
    await mustRun(`${GUEST_PROGRAMS}/rename_flags-32-static`, [
      'renameat2',
      folder,
      path.basename(source),
      folder,
      path.basename(destination),
      'noreplace',
    ]);
    return { deleted: [source], movedTo: [destination] };
  },

  async 'rename-by-uring'({ folder }, name) {
    const source = file(path.join(folder, `${name}-file`));
    const target = file(path.join(folder, `${name}-target`));
    if (!(await ranIoUringRequest('io_uring_rename-static', [source, target]))) return [];
    return { deleted: [source], movedTo: [target] };
  },
};
