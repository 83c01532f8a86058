// The host's mount table: where a directory known only by its filesystem and
// its path inside that filesystem can be seen from the helper's own mount
// namespace.
//
// A process in another mount namespace (a container) names its files by its
// own mounts; the kernel's walk stops at that process's root, so what reaches
// the helper is the filesystem's device and the directory's path from that
// filesystem's root. The same filesystem is usually mounted on the host too
// (a container's overlay under /var/lib/docker/..., a bind-mounted volume at
// its source), and /proc/self/mountinfo says where.
//
// Paths are "binary" strings (one character per byte, Node's 'latin1'), as in
// helper/paths/kernelPaths.ts: mountinfo is read as latin1 so that its bytes stay bytes.
import * as fs from 'node:fs';

import { isAtOrBelow } from '../../common/directories';

/** One line of /proc/self/mountinfo (proc(5)), with root and mount point unescaped. */
export interface MountEntry {
  mountId: number;
  parentId: number;
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted: "/" for all of it, deeper for a bind mount. */
  root: string;
  /** Where it is mounted, as the reader's root and mount namespace see it. */
  mountPoint: string;
  fsType: string;
}

// The kernel writes root and mount point with space, tab, newline and
// backslash as three-digit octal escapes (mangle(), fs/proc_namespace.c).
const OCTAL_ESCAPE = /\\([0-3][0-7][0-7])/g;

/** Undoes mountinfo's octal escapes; the result keeps one character per byte. */
function unescapeMountField(field: string): string {
  return field.includes('\\')
    ? field.replace(OCTAL_ESCAPE, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    : field;
}

const DECIMAL = /^\d+$/;
const MAJOR_MINOR = /^(\d+):(\d+)$/;

/**
 * The entries of a mountinfo text, in its order (the order the mounts were
 * made in). Throws, naming the line, where a line does not have the shape of
 * proc(5).
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const fields = line.split(' ');
    // Optional fields ("shared:1", "master:2", ...) come between the options
    // and a lone "-"; there may be none of them.
    const separator = fields.indexOf('-', 6);
    const devices = MAJOR_MINOR.exec(fields[2] ?? '');
    if (
      separator < 0 ||
      separator + 1 >= fields.length ||
      fields[separator + 1] === '' ||
      !DECIMAL.test(fields[0]) ||
      !DECIMAL.test(fields[1]) ||
      !devices ||
      fields[3] === '' ||
      fields[4] === ''
    ) {
      throw new Error(
        `/proc/self/mountinfo line ${i + 1} is not "ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS ... - TYPE ...": ${JSON.stringify(line)}`,
      );
    }
    entries.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      major: Number(devices[1]),
      minor: Number(devices[2]),
      root: unescapeMountField(fields[3]),
      mountPoint: unescapeMountField(fields[4]),
      fsType: unescapeMountField(fields[separator + 1]),
    });
  }
  return entries;
}

/** Reads the text of /proc/self/mountinfo. */
export type MountInfoReader = () => string;

const readOwnMountInfo: MountInfoReader = () => fs.readFileSync('/proc/self/mountinfo', 'latin1');

// Mounts come and go while tracing (a container starts, a volume is
// attached), and a stale table can give not just no answer but a wrong one:
// a mount point another filesystem has since covered, or a mount since moved.
// So the table is read again once it is a second old, and also when it has no
// answer, which is what a container started after the last read looks like;
// the latter at most every 100 ms, since a deletion storm in a filesystem the
// host cannot see would otherwise read the table at every deletion.
const TABLE_MAX_AGE_MS = 1000;
const REREAD_ON_MISS_AFTER_MS = 100;

/** The entries of one reading, indexed for lookups. */
class MountTable {
  /** By "major:minor". */
  private readonly byDevice = new Map<string, MountEntry[]>();
  /** By parent and mount point: the mounts made on a directory of their parent. */
  private readonly children = new Map<string, MountEntry>();
  /** The mount that the helper's root shows: the last one stacked on "/". */
  private readonly rootMount: MountEntry | undefined;
  private readonly size: number;

  constructor(entries: MountEntry[]) {
    this.size = entries.length;
    for (const entry of entries) {
      const device = `${entry.major}:${entry.minor}`;
      const sameDevice = this.byDevice.get(device);
      if (sameDevice) sameDevice.push(entry);
      else this.byDevice.set(device, [entry]);
      // Two mounts on one directory of one parent should not be listed (each
      // new one is mounted on the one before); should propagation list two,
      // the later listed, the later made, is taken.
      this.children.set(childKey(entry.parentId, entry.mountPoint), entry);
    }
    const atRoot = entries.filter((entry) => entry.mountPoint === '/');
    this.rootMount = topOfStack(atRoot);
  }

  /** See HostMounts.hostPath(). */
  hostPath(major: number, minor: number, filesystemPath: string): string | undefined {
    let best: { entry: MountEntry; path: string } | undefined;
    for (const entry of this.byDevice.get(`${major}:${minor}`) ?? []) {
      // Some mounts have no directory for a root (nsfs shows "net:[4026531840]").
      if (!entry.root.startsWith('/') || !isAtOrBelow(filesystemPath, entry.root)) continue;
      const below = entry.root === '/' ? filesystemPath : filesystemPath.slice(entry.root.length);
      const path = joinBelow(entry.mountPoint, below);
      if (this.visibleMountAt(path) !== entry) continue;
      if (best === undefined || isPreferred(entry, best.entry)) best = { entry, path };
    }
    return best?.path;
  }

  /**
   * The mount that the helper reaches at `path`, found the way the kernel's
   * own lookup finds it: from the root, at each directory, over to whatever is
   * mounted on it, and on to the last of the mounts stacked there. Looking
   * only for the longest mount point at or above `path` is not enough: that
   * mount's own parent may have been covered since it was made.
   */
  private visibleMountAt(path: string): MountEntry | undefined {
    let mount = this.rootMount;
    if (mount === undefined) return undefined;
    let directory = '';
    for (const name of path.split('/')) {
      if (name === '') continue;
      directory += '/' + name;
      // Each mount stacked on the directory is the child of the one below it.
      // The bound only guards against a table that contradicts itself.
      for (let stacked = 0; stacked < this.size; stacked++) {
        const child = this.children.get(childKey(mount.mountId, directory));
        if (child === undefined) break;
        mount = child;
      }
    }
    return mount;
  }
}

function childKey(parentId: number, mountPoint: string): string {
  return `${parentId}\0${mountPoint}`;
}

/** Of mounts at one mount point, the one no other there is mounted on. */
function topOfStack(stacked: MountEntry[]): MountEntry | undefined {
  const covered = new Set(stacked.map((entry) => entry.parentId));
  for (let i = stacked.length - 1; i >= 0; i--) if (!covered.has(stacked[i].mountId)) return stacked[i];
  return stacked[stacked.length - 1];
}

/** The directory `below` ("" or "/a/b") names under `mountPoint`. */
function joinBelow(mountPoint: string, below: string): string {
  if (below === '' || below === '/') return mountPoint;
  return mountPoint === '/' ? below : mountPoint + below;
}

/**
 * Where the host sees a directory through more than one mount, the one
 * holding most of the filesystem wins (a bind mount of a subdirectory is
 * usually the container's own volume, the full mount the host's), then the
 * earliest made, so that the answer does not depend on the table's order.
 */
function isPreferred(entry: MountEntry, than: MountEntry): boolean {
  if (entry.root.length !== than.root.length) return entry.root.length < than.root.length;
  return entry.mountId < than.mountId;
}

/** The host's mounts, read from the helper's own /proc/self/mountinfo as needed. */
export class HostMounts {
  private table: MountTable | undefined;
  private readAt = 0;

  constructor(
    private readonly readMountInfo: MountInfoReader = readOwnMountInfo,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Where the helper sees the directory at `filesystemPath` (absolute, from
   * the filesystem's root, binary) of the filesystem `dev` (the kernel's own
   * encoding: major in the top 12 bits, minor in the low 20), as a binary
   * string; undefined where no mount the helper can see shows it. Throws
   * where the mount table cannot be read or parsed.
   */
  hostPath(dev: number, filesystemPath: string): string | undefined {
    if (!Number.isInteger(dev) || dev <= 0 || !filesystemPath.startsWith('/')) return undefined;
    const major = dev >>> 20;
    const minor = dev & 0xfffff;
    const now = this.now();
    let age = now - this.readAt;
    if (this.table === undefined || age < 0 || age > TABLE_MAX_AGE_MS) {
      this.read(now);
      age = 0;
    }
    const path = this.table!.hostPath(major, minor, filesystemPath);
    if (path !== undefined || age < REREAD_ON_MISS_AFTER_MS) return path;
    this.read(now);
    return this.table!.hostPath(major, minor, filesystemPath);
  }

  private read(now: number): void {
    this.table = new MountTable(parseMountInfo(this.readMountInfo()));
    this.readAt = now;
  }
}
