// The host's path for every deletion, whatever root and mount namespace the
// deleting process had and however it named the directory: other mount
// namespaces (what container engines make), chroots, a file system that
// exists only inside a namespace, symbolic links, and /proc's links to a
// process's own directories. docs/path-resolution.md, "Path resolution".
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, onTestFinished } from 'vitest';

import { ATTACH_MODES, type DeletionEvent } from '../../../common/protocol';
import { parseMountInfo } from '../../../helper/paths/hostMounts';
import { buildFixture, run } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceWhile } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

const it = traceTest.extend('staticDeleter', { scope: 'file' }, () => buildFixture('deleter', { static: true }));

const HOST_MOUNT_NAMESPACE = fs.statSync('/proc/self/ns/mnt').ino;

/** `sh -c script` with args as $1, $2, ...; run() fails the test where the script fails. */
async function shell(script: string, args: string[], options: { newMountNamespace?: boolean } = {}): Promise<void> {
  const command = options.newMountNamespace ? 'unshare' : 'sh';
  const prefix = options.newMountNamespace ? ['-m', '--propagation', 'private', 'sh'] : [];
  await run(command, [...prefix, '-c', script, 'sh', ...args]);
}

function only(events: DeletionEvent[], pathArg: string): DeletionEvent {
  const matching = events.filter((event) => event.pathArg === pathArg);
  expect(
    matching,
    `one deletion of ${pathArg} among ${JSON.stringify(events.map((event) => event.pathArg))}`,
  ).toHaveLength(1);
  return matching[0];
}

/** A directory holding the static deleter and a data directory: a root for chroot. */
function makeJail(scratch: string, staticDeleter: string, files: string[]): string {
  const jail = path.join(scratch, 'jail');
  makeTree(path.join(jail, 'data'), files);
  fs.copyFileSync(staticDeleter, path.join(jail, 'deleter'));
  fs.chmodSync(path.join(jail, 'deleter'), 0o755);
  return jail;
}

describe.each(ATTACH_MODES)("the host's path (%s mode)", (mode) => {
  it('of deletions in another mount namespace, by absolute and relative names, reaches a scoped trace', async ({
    scratch,
  }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['f1', 'f2']);
    const mountPoint = path.join(scratch, 'inside');
    fs.mkdirSync(mountPoint);

    const { events } = await traceWhile({ mode, paths: [workspace] }, () =>
      shell('mount --bind "$1" "$2" && rm "$2/f1" && cd "$2" && rm f2', [workspace, mountPoint], {
        newMountNamespace: true,
      }),
    );

    expect(only(events, `${mountPoint}/f1`)).toMatchObject({
      path: `${workspace}/f1`,
      complete: true,
      processPath: `${mountPoint}/f1`,
    });
    expect(only(events, 'f2')).toMatchObject({
      path: `${workspace}/f2`,
      complete: true,
      processPath: `${mountPoint}/f2`,
    });
    expect(events.every((event) => event.mountNamespace !== HOST_MOUNT_NAMESPACE)).toBe(true);
  });

  it('of a deletion by a process that exits at once, with its namespace', async ({ scratch, deleter }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['gone']);
    fs.mkdirSync(path.join(scratch, 'inside'));

    const { events } = await traceWhile({ mode, paths: [workspace] }, () =>
      shell(
        'mount --bind "$1" "$2" && exec "$3" unlink "$2/gone"',
        [workspace, path.join(scratch, 'inside'), deleter],
        { newMountNamespace: true },
      ),
    );

    expect(only(events, `${scratch}/inside/gone`)).toMatchObject({ path: `${workspace}/gone`, complete: true });
  });

  it('of deletions in a chroot, absolute and relative', async ({ scratch, staticDeleter }) => {
    const jail = makeJail(scratch, staticDeleter, ['x.txt', 'y.txt']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, async () => {
      await shell('chroot "$1" /deleter unlink /data/x.txt', [jail]);
      await shell('chroot "$1" /deleter unlinkat /data y.txt', [jail]);
    });

    expect(only(events, '/data/x.txt')).toMatchObject({
      path: `${jail}/data/x.txt`,
      complete: true,
      processPath: '/data/x.txt',
    });
    expect(only(events, 'y.txt')).toMatchObject({
      path: `${jail}/data/y.txt`,
      complete: true,
      processPath: '/data/y.txt',
    });
    expect(events.every((event) => event.mountNamespace === HOST_MOUNT_NAMESPACE)).toBe(true);
  });

  it('of deletions in a namespace with a root of its own', async ({ scratch, staticDeleter }) => {
    const jail = makeJail(scratch, staticDeleter, ['z.txt']);

    const { events } = await traceWhile({ mode, paths: [scratch] }, () =>
      shell('mount --bind "$1" "$1" && exec chroot "$1" /deleter unlink /data/z.txt', [jail], {
        newMountNamespace: true,
      }),
    );

    expect(only(events, '/data/z.txt')).toMatchObject({
      path: `${jail}/data/z.txt`,
      complete: true,
      processPath: '/data/z.txt',
    });
  });

  it('of a file on a file system mounted only inside a namespace: incomplete, never a host path', async ({
    scratch,
    deleter,
  }) => {
    const mountPoint = path.join(scratch, 'private');
    fs.mkdirSync(mountPoint);

    const everything = await traceWhile({ mode }, () =>
      shell('mount -t tmpfs none "$1" && touch "$1/secret" && "$2" unlink "$1/secret"', [mountPoint, deleter], {
        newMountNamespace: true,
      }),
    );
    const event = only(everything.events, `${mountPoint}/secret`);
    expect(event.complete).toBe(false);
    expect(event.path).toBe('…/secret');
    expect(event.processPath).toBe(`${mountPoint}/secret`);

    const scoped = await traceWhile({ mode, paths: [scratch] }, () =>
      shell('mount -t tmpfs none "$1" && touch "$1/secret" && "$2" unlink "$1/secret"', [mountPoint, deleter], {
        newMountNamespace: true,
      }),
    );
    expect(scoped.events).toEqual([]);
  });

  it('is one physical path however a symbolic link named the directory', async ({ scratch }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['f3', 'f4', 'sub/keep', 'f5']);
    const link = path.join(scratch, 'link');
    fs.symlinkSync(workspace, link);

    const { events } = await traceWhile({ mode, paths: [scratch] }, async () => {
      await shell('cd "$1" && rm f3', [link]);
      await shell('rm "$1/f4"', [link]);
      await shell('rm "$1/sub/../f5"', [link]);
    });

    expect(only(events, 'f3').path).toBe(`${workspace}/f3`);
    expect(only(events, `${link}/f4`).path).toBe(`${workspace}/f4`);
    expect(only(events, `${link}/sub/../f5`).path).toBe(`${workspace}/f5`);
    expect(events.every((event) => event.complete && event.processPath === undefined)).toBe(true);
  });

  it("is the directory's through /proc/self/fd, /dev/fd and /proc/PID/cwd of the shell that ran rm", async ({
    scratch,
  }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['f6', 'sub/f7', 'f8']);

    const { events } = await traceWhile({ mode, paths: [workspace] }, async () => {
      await shell('exec 3<"$1" && rm /proc/self/fd/3/f6', [workspace]);
      await shell('exec 4<"$1/sub" && rm /dev/fd/4/f7', [workspace]);
      await shell('cd "$1" && rm "/proc/$$/cwd/f8" && true', [workspace]);
    });

    expect(only(events, '/proc/self/fd/3/f6')).toMatchObject({ path: `${workspace}/f6`, complete: true });
    expect(only(events, '/dev/fd/4/f7')).toMatchObject({ path: `${workspace}/sub/f7`, complete: true });
    expect(events.find((event) => event.pathArg.endsWith('/cwd/f8'))).toMatchObject({
      path: `${workspace}/f8`,
      complete: true,
    });
  });

  it('is not guessed through /proc/PID/cwd of an unrelated process', async ({ scratch }) => {
    const workspace = path.join(scratch, 'workspace');
    makeTree(workspace, ['f9']);
    const bystander = spawn('sleep', ['60'], { cwd: workspace, stdio: 'ignore' });
    onTestFinished(() => void bystander.kill());

    const { events } = await traceWhile({ mode }, () => shell('rm "$1"', [`/proc/${bystander.pid}/cwd/f9`]));

    expect(only(events, `/proc/${bystander.pid}/cwd/f9`)).toMatchObject({ path: '…/f9', complete: false });
    expect(fs.existsSync(path.join(workspace, 'f9'))).toBe(false);
  });
});

describe('the container a deletion came from', () => {
  it('is named by the cgroup a container engine would have made', async ({ scratch }) => {
    const cgroup2 = parseMountInfo(fs.readFileSync('/proc/self/mountinfo', 'latin1')).find(
      (mount) => mount.fsType === 'cgroup2',
    );
    expect(cgroup2, 'a cgroup v2 hierarchy is mounted').toBeDefined();
    const id = randomBytes(32).toString('hex');
    const scope = path.join(cgroup2!.mountPoint, `docker-${id}.scope`);
    fs.mkdirSync(scope);
    onTestFinished(() => fs.rmdirSync(scope));
    makeTree(scratch, ['in-container']);

    const { events } = await traceWhile({ paths: [scratch] }, () =>
      shell('echo $$ > "$1/cgroup.procs" && exec rm "$2"', [scope, path.join(scratch, 'in-container')]),
    );

    expect(only(events, path.join(scratch, 'in-container')).container).toEqual({ engine: 'docker', id });
  });
});
