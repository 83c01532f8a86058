// The kernels of the matrix: Debian's cloud kernels, fetched from Debian's
// archive with an apt configuration of their own (the machine's sources and
// boot are left alone), and kept under ~/.cache/syscall-trace/kernels/ so
// that later runs, and fresh clones on the same machine, boot them without
// the network. See /work/shared/KERNELS.md for the recipe this follows.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { ProgramSetName } from './guestLayout';

export interface KernelSeries {
  /** What the test names say: "Linux 6.1 (Debian 12)". */
  title: string;
  /** Names the packages that hold this series' kernel image; the newest (sort -V) is taken. */
  packagePattern: string;
  /** The program set the helper is expected to choose there, by what the kernel has (README: "Tested kernels"). */
  programs: ProgramSetName;
}

export const KERNEL_SERIES: readonly KernelSeries[] = [
  {
    title: 'Linux 5.10 (Debian 11)',
    packagePattern: '^linux-image-5\\.10\\.[0-9]+-[0-9]+-cloud-amd64$',
    programs: 'older',
  },
  {
    title: 'Linux 6.1 (Debian 12)',
    packagePattern: '^linux-image-6\\.1\\.[0-9]+-[0-9]+-cloud-amd64$',
    programs: 'newer',
  },
  {
    title: 'Linux 6.12 (Debian 13)',
    packagePattern: '^linux-image-6\\.12\\.[0-9]+\\+deb13-cloud-amd64$',
    programs: 'newer',
  },
  // In sid, linux-image-* is a meta package; the kernel itself is in linux-binary-*.
  {
    title: 'Linux 7.x (Debian sid)',
    packagePattern: '^linux-binary-[0-9.]+\\+deb[0-9]+-cloud-amd64$',
    programs: 'newer',
  },
];

export interface KernelImage {
  series: KernelSeries;
  /** uname -r, as the package names it. */
  release: string;
  vmlinuz: string;
  /** The kernel's build configuration, installed in the guest as /boot/config-RELEASE where the package has one. */
  config?: string;
}

const CACHE = path.join(os.homedir(), '.cache/syscall-trace/kernels');
const APT = path.join(CACHE, 'apt');
/** The package chosen for each series, so that a run without the network can boot what the last one fetched. */
const CHOSEN = path.join(CACHE, 'chosen.json');
/** After a week the archive is asked again for the newest kernel of each series. */
const CHOICE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function aptOptions(): string[] {
  return [
    '-o',
    `Dir::Etc::sourcelist=${path.join(APT, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${path.join(APT, 'lists')}`,
    '-o',
    `Dir::Cache=${path.join(APT, 'cache')}`,
    // The machine's apt may run unprivileged downloads as _apt, which cannot write into root's home.
    '-o',
    'APT::Sandbox::User=root',
  ];
}

/** The machine's own Debian archive and security archive, as its apt sources name them. */
function archiveUris(): { archive: string; security: string } {
  const sources = fs.readFileSync('/etc/apt/sources.list.d/debian.sources', 'utf8');
  const uris = [...sources.matchAll(/^URIs:\s*(\S+)/gm)].map((match) => match[1]);
  return {
    archive: uris.find((uri) => !uri.includes('security')) ?? 'http://deb.debian.org/debian',
    security: uris.find((uri) => uri.includes('security')) ?? 'http://deb.debian.org/debian-security',
  };
}

function updatePackageLists(): void {
  fs.mkdirSync(path.join(APT, 'lists/partial'), { recursive: true });
  fs.mkdirSync(path.join(APT, 'cache/archives/partial'), { recursive: true });
  const { archive, security } = archiveUris();
  const lines = ['bullseye', 'bookworm', 'trixie', 'sid'].map((suite) => `deb ${archive} ${suite} main`);
  lines.push(`deb ${security} bookworm-security main`);
  fs.writeFileSync(path.join(APT, 'sources.list'), lines.join('\n') + '\n');
  execFileSync('apt-get', [...aptOptions(), '-q', 'update'], { stdio: 'pipe' });
}

function newestPackage(pattern: string): string {
  const found = execFileSync('apt-cache', [...aptOptions(), 'search', '--names-only', pattern], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => new RegExp(pattern).test(name));
  if (found.length === 0) throw new Error(`Debian's archive has no package matching ${pattern}`);
  return execFileSync('sort', ['-V'], { input: found.join('\n') + '\n', encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
}

/** linux-image-6.1.0-57-cloud-amd64 → 6.1.0-57-cloud-amd64 */
function releaseOf(packageName: string): string {
  return packageName.replace(/^linux-(image|binary)-/, '');
}

/** Downloads and unpacks a package into the release's folder; false where the archive has no such package. */
function unpack(packageName: string, into: string): boolean {
  const debs = path.join(CACHE, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  let deb = fs.readdirSync(debs).find((name) => name.startsWith(`${packageName}_`) && name.endsWith('.deb'));
  if (!deb) {
    try {
      execFileSync('apt-get', [...aptOptions(), '-q', 'download', packageName], { cwd: debs, stdio: 'pipe' });
    } catch {
      return false;
    }
    deb = fs.readdirSync(debs).find((name) => name.startsWith(`${packageName}_`) && name.endsWith('.deb'))!;
  }
  execFileSync('dpkg-deb', ['-x', path.join(debs, deb), into]);
  return true;
}

/** boot/NAME-RELEASE in Debian's older packages, usr/lib/modules/RELEASE/NAME in sid's. */
function fileOfRelease(root: string, release: string, name: string): string | undefined {
  return [path.join(root, 'boot', `${name}-${release}`), path.join(root, 'usr/lib/modules', release, name)].find(
    (file) => fs.existsSync(file),
  );
}

function fetchKernel(series: KernelSeries, packageName: string): KernelImage {
  const release = releaseOf(packageName);
  const folder = path.join(CACHE, release);
  const unpacked = path.join(folder, 'unpacked');
  if (!fs.existsSync(path.join(folder, 'vmlinuz'))) {
    fs.rmSync(folder, { recursive: true, force: true });
    fs.mkdirSync(unpacked, { recursive: true });
    if (!unpack(packageName, unpacked)) throw new Error(`apt-get download ${packageName} failed`);
    // sid keeps the configuration beside the image, in linux-base-RELEASE; the older releases have no such package.
    if (!fileOfRelease(unpacked, release, 'config')) unpack(`linux-base-${release}`, unpacked);
    const vmlinuz = fileOfRelease(unpacked, release, 'vmlinuz');
    if (!vmlinuz) throw new Error(`${packageName} holds no vmlinuz`);
    const config = fileOfRelease(unpacked, release, 'config');
    if (config) fs.copyFileSync(config, path.join(folder, 'config'));
    // Written last: its presence says the folder is whole.
    fs.copyFileSync(vmlinuz, path.join(folder, 'vmlinuz.partial'));
    fs.rmSync(unpacked, { recursive: true });
    fs.renameSync(path.join(folder, 'vmlinuz.partial'), path.join(folder, 'vmlinuz'));
  }
  const config = path.join(folder, 'config');
  return {
    series,
    release,
    vmlinuz: path.join(folder, 'vmlinuz'),
    ...(fs.existsSync(config) && { config }),
  };
}

interface Chosen {
  at: number;
  packages: Record<string, string>;
}

function readChosen(): Chosen | undefined {
  try {
    return JSON.parse(fs.readFileSync(CHOSEN, 'utf8')) as Chosen;
  } catch {
    return undefined;
  }
}

/** The newest kernel of each series, fetched where the cache does not hold it yet. */
export function debianKernels(): KernelImage[] {
  let chosen = readChosen();
  const complete = chosen && KERNEL_SERIES.every((series) => chosen!.packages[series.title]);
  if (!chosen || !complete || Date.now() - chosen.at > CHOICE_MAX_AGE_MS) {
    updatePackageLists();
    chosen = {
      at: Date.now(),
      packages: Object.fromEntries(KERNEL_SERIES.map((series) => [series.title, newestPackage(series.packagePattern)])),
    };
  }
  const kernels = KERNEL_SERIES.map((series) => fetchKernel(series, chosen!.packages[series.title]));
  fs.writeFileSync(CHOSEN, JSON.stringify(chosen, null, 2) + '\n');
  return kernels;
}
