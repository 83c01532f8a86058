// The guest's whole file system, built per run as an initramfs: a static
// busybox, the system's node with the libraries ldd names for it and for the
// addon, the built dist/, the static test programs, program_report with
// both objects of build/bpf/, an ordinary user, and the guest suite run by
// /init. No root file system image is needed, and nothing is installed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

import { buildFixture } from '../programs';
import type { KernelImage } from './debianKernels';
import {
  GUEST_BPF_OBJECTS,
  GUEST_COREUTILS,
  GUEST_DIST,
  GUEST_PROGRAMS,
  GUEST_SCRATCH,
  GUEST_SUITE,
  GUEST_USER,
} from './guestLayout';

const REPOSITORY = path.resolve(__dirname, '../../..');
const BUILD = path.join(REPOSITORY, 'build/kernels');

/** Copies a file to the same absolute path under `root`, following links. */
function copyInto(root: string, file: string, at = file, mode?: number): void {
  const target = path.join(root, at);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), target);
  if (mode !== undefined) fs.chmodSync(target, mode);
}

/** The shared libraries ldd names for a program or library, the dynamic loader included; none under dist/, which comes whole. */
function sharedLibraries(file: string): string[] {
  const listing = execFileSync('ldd', [file], { encoding: 'utf8' });
  return [...listing.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)]
    .map((match) => match[1])
    .filter((library) => !library.startsWith(path.join(REPOSITORY, 'dist')));
}

/** Copies a dynamically linked program to `at` under `root`, with its libraries at their own paths. */
function copyWithLibraries(root: string, file: string, at: string): void {
  copyInto(root, file, at, 0o755);
  for (const library of sharedLibraries(file)) copyInto(root, library);
}

function buildProgramReport(): string {
  const output = path.join(BUILD, 'program_report');
  fs.mkdirSync(BUILD, { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-Werror', '-o', output, path.join(__dirname, 'program_report.c'), '-lbpf'], {
    stdio: 'pipe',
  });
  return output;
}

function bundleGuestSuite(root: string): void {
  buildSync({
    entryPoints: [path.join(__dirname, 'guest/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: path.join(root, GUEST_SUITE),
    logLevel: 'warning',
  });
}

function writeUsers(root: string): void {
  const { name, uid, gid } = GUEST_USER;
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\n${name}:x:${uid}:${gid}:${name}:/tmp:/bin/sh\n`,
  );
  fs.writeFileSync(path.join(root, 'etc/group'), `root:x:0:\n${name}:x:${gid}:\n`);
}

function packCpio(root: string, output: string): void {
  // newc, every file root's, as the kernel unpacks it.
  execFileSync('sh', ['-c', `cd "${root}" && find . | cpio --quiet -o -H newc -R 0:0 > "${output}"`]);
}

/** Builds the initramfs that every kernel shares, from the current dist/ and build/bpf/. */
export function buildSharedInitramfs(): string {
  const root = path.join(BUILD, 'initramfs');
  fs.rmSync(root, { recursive: true, force: true });
  for (const dir of ['proc', 'sys', 'dev', 'tmp', 'root', 'boot', GUEST_SCRATCH.slice(1)])
    fs.mkdirSync(path.join(root, dir), { recursive: true });
  // The kernel opens /dev/console for /init before anything is mounted.
  execFileSync('mknod', [path.join(root, 'dev/console'), 'c', '5', '1']);

  copyInto(root, '/bin/busybox', '/bin/busybox', 0o755);
  copyInto(root, path.join(__dirname, 'guest/init.sh'), '/init', 0o755);
  copyWithLibraries(root, process.execPath, '/usr/bin/node');
  for (const file of fs.readdirSync(path.join(REPOSITORY, 'dist')))
    copyInto(root, path.join(REPOSITORY, 'dist', file), path.join(GUEST_DIST, file));
  for (const library of sharedLibraries(path.join(REPOSITORY, 'dist/syscall_trace.node'))) copyInto(root, library);
  for (const program of ['rm', 'rmdir', 'mv'])
    copyWithLibraries(root, `/usr/bin/${program}`, path.join(GUEST_COREUTILS, program));

  copyInto(
    root,
    buildFixture('deleter', { bits32: true, static: true }),
    path.join(GUEST_PROGRAMS, 'deleter-32-static'),
    0o755,
  );
  copyInto(root, buildFixture('deleter', { static: true }), path.join(GUEST_PROGRAMS, 'deleter-static'), 0o755);
  copyInto(
    root,
    buildFixture('io_uring_unlink', { static: true, libs: ['uring'] }),
    path.join(GUEST_PROGRAMS, 'io_uring_unlink-static'),
    0o755,
  );
  copyInto(
    root,
    buildFixture('io_uring_rename', { static: true, libs: ['uring'] }),
    path.join(GUEST_PROGRAMS, 'io_uring_rename-static'),
    0o755,
  );
  copyInto(
    root,
    buildFixture('rename_flags', { static: true }),
    path.join(GUEST_PROGRAMS, 'rename_flags-static'),
    0o755,
  );
  copyInto(
    root,
    buildFixture('rename_flags', { bits32: true, static: true }),
    path.join(GUEST_PROGRAMS, 'rename_flags-32-static'),
    0o755,
  );
  copyWithLibraries(root, buildProgramReport(), path.join(GUEST_PROGRAMS, 'program_report'));
  for (const object of Object.values(GUEST_BPF_OBJECTS))
    copyInto(root, path.join(REPOSITORY, 'build/bpf', path.basename(object)), object);

  writeUsers(root);
  bundleGuestSuite(root);
  const output = path.join(BUILD, 'shared.cpio');
  packCpio(root, output);
  return output;
}

/**
 * The shared initramfs with the kernel's configuration appended as
 * /boot/config-RELEASE, where Debian installs it: the helper's `complete`
 * mode reads it to learn whether the kernel runs 32-bit programs. The kernel
 * unpacks concatenated cpio archives one after the other.
 */
export function initramfsFor(kernel: KernelImage, shared: string): string {
  const output = path.join(BUILD, `${kernel.release}.cpio`);
  fs.copyFileSync(shared, output);
  if (kernel.config) {
    const root = path.join(BUILD, `${kernel.release}-config`);
    fs.rmSync(root, { recursive: true, force: true });
    copyInto(root, kernel.config, `/boot/config-${kernel.release}`);
    packCpio(root, `${output}.config`);
    fs.appendFileSync(output, fs.readFileSync(`${output}.config`));
    fs.rmSync(`${output}.config`);
  }
  return output;
}
