// Where the helper sees a directory of a filesystem that another mount
// namespace deleted from (helper/paths/hostMounts.ts).
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';

import { HostMounts, parseMountInfo } from '../../../../helper/paths/hostMounts';

/** The kernel's own dev_t: major in the top 12 bits, minor in the low 20. */
const dev = (major: number, minor: number): number => major * 2 ** 20 + minor;

const mountinfo = (...lines: string[]): string => lines.join('\n') + '\n';

/** The host path through a fixed mount table. */
function hostPath(table: string, device: number, filesystemPath: string): string | undefined {
  return new HostMounts(() => table).hostPath(device, filesystemPath);
}

const SDA1 = dev(8, 1);
const ROOT_ON_SDA1 = '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro';

describe('parseMountInfo', () => {
  it('reads the fields of each line', () => {
    const entries = parseMountInfo(
      mountinfo(ROOT_ON_SDA1, '41 22 0:37 /volumes/v1 /mnt/v1 rw,nosuid shared:20 master:3 - tmpfs tmpfs rw'),
    );
    expect(entries).toEqual([
      { mountId: 22, parentId: 1, major: 8, minor: 1, root: '/', mountPoint: '/', fsType: 'ext4' },
      { mountId: 41, parentId: 22, major: 0, minor: 37, root: '/volumes/v1', mountPoint: '/mnt/v1', fsType: 'tmpfs' },
    ]);
  });

  it('reads a line without optional fields', () => {
    expect(parseMountInfo('30 22 0:40 / /run rw - tmpfs tmpfs rw\n')[0]).toEqual(
      expect.objectContaining({ mountPoint: '/run', fsType: 'tmpfs' }),
    );
  });

  it('undoes the octal escapes of space, tab, newline and backslash', () => {
    const [entry] = parseMountInfo('50 22 8:17 /a\\134b /mnt/my\\040disk\\011x\\012y rw - ext4 /dev/sdb1 rw\n');
    expect(entry.root).toBe('/a\\b');
    expect(entry.mountPoint).toBe('/mnt/my disk\tx\ny');
  });

  it('keeps bytes that are not ASCII as one character each', () => {
    const line = Buffer.concat([
      Buffer.from('50 22 8:17 / /mnt/caf'),
      Buffer.from([0xc3, 0xa9, 0xff]),
      Buffer.from(' rw - ext4 /dev/sdb1 rw\n'),
    ]);
    const [entry] = parseMountInfo(line.toString('latin1'));
    expect(Buffer.from(entry.mountPoint, 'latin1')).toEqual(
      Buffer.from([...Buffer.from('/mnt/caf'), 0xc3, 0xa9, 0xff]),
    );
  });

  it('names the line that does not have the shape of mountinfo', () => {
    expect(() => parseMountInfo(mountinfo(ROOT_ON_SDA1, '23 22 8:2 / /home rw ext4 /dev/sda2 rw'))).toThrow(/line 2\b/);
    expect(() =>
      parseMountInfo(mountinfo(ROOT_ON_SDA1, ROOT_ON_SDA1, 'x 22 8:2 / /home rw - ext4 /dev/sda2 rw')),
    ).toThrow(/line 3\b/);
    expect(() => parseMountInfo('23 22 8 / /home rw - ext4 /dev/sda2 rw\n')).toThrow(/line 1\b/);
    expect(() => parseMountInfo('23 22 8:2 / /home rw -\n')).toThrow(/line 1\b/);
  });

  it('reads the real /proc/self/mountinfo, root mount and all', () => {
    const text = fs.readFileSync('/proc/self/mountinfo', 'latin1');
    const entries = parseMountInfo(text);
    const atRoot = entries.filter((entry) => entry.mountPoint === '/');
    const root = atRoot.find((entry) => !atRoot.some((other) => other.parentId === entry.mountId));
    expect(root).toBeDefined();
    expect(new HostMounts().hostPath(dev(root!.major, root!.minor), root!.root)).toBeDefined();
  });
});

describe('HostMounts.hostPath', () => {
  it('gives the same path where the filesystem is mounted at the root', () => {
    const table = mountinfo(ROOT_ON_SDA1);
    expect(hostPath(table, SDA1, '/home/alice')).toBe('/home/alice');
    expect(hostPath(table, SDA1, '/')).toBe('/');
  });

  it("joins the path below a container's root to where the host mounts that root", () => {
    const table = mountinfo(
      ROOT_ON_SDA1,
      '90 22 0:50 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw,lowerdir=/x',
    );
    expect(hostPath(table, dev(0, 50), '/app/build')).toBe('/var/lib/docker/overlay2/abc/merged/app/build');
    expect(hostPath(table, dev(0, 50), '/')).toBe('/var/lib/docker/overlay2/abc/merged');
  });

  it('finds a directory through a bind mount of a part of the filesystem', () => {
    const table = mountinfo(ROOT_ON_SDA1, '41 22 8:17 /volumes/v1 /mnt/v1 rw - ext4 /dev/sdb1 rw');
    expect(hostPath(table, dev(8, 17), '/volumes/v1/data')).toBe('/mnt/v1/data');
    expect(hostPath(table, dev(8, 17), '/volumes/v1')).toBe('/mnt/v1');
  });

  it('has no path for a directory outside the part that is mounted', () => {
    const table = mountinfo(ROOT_ON_SDA1, '41 22 8:17 /volumes/v1 /mnt/v1 rw - ext4 /dev/sdb1 rw');
    expect(hostPath(table, dev(8, 17), '/volumes/v2/data')).toBeUndefined();
    expect(hostPath(table, dev(8, 17), '/volumes/v10')).toBeUndefined();
    expect(hostPath(table, dev(8, 17), '/')).toBeUndefined();
  });

  it('prefers the mount of the whole filesystem over a bind mount of a part of it', () => {
    const table = mountinfo('40 22 8:1 /srv/data /data rw - ext4 /dev/sda1 rw', ROOT_ON_SDA1);
    expect(hostPath(table, SDA1, '/srv/data/report.txt')).toBe('/srv/data/report.txt');
  });

  it("prefers the earliest made of two mounts of the same directory, whatever the table's order", () => {
    const table = mountinfo(
      ROOT_ON_SDA1,
      '61 22 8:17 / /mnt/b rw - ext4 /dev/sdb1 rw',
      '60 22 8:17 / /mnt/a rw - ext4 /dev/sdb1 rw',
    );
    expect(hostPath(table, dev(8, 17), '/x')).toBe('/mnt/a/x');
  });

  it('has no path for a filesystem mounted only inside a container', () => {
    const table = mountinfo(ROOT_ON_SDA1, '90 22 0:50 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw');
    expect(hostPath(table, dev(0, 93), '/tmp/scratch')).toBeUndefined();
  });

  it('gives the mount point with its escapes undone', () => {
    const table = mountinfo(ROOT_ON_SDA1, '50 22 8:17 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw');
    expect(hostPath(table, dev(8, 17), '/photos')).toBe('/mnt/my disk/photos');
  });

  it('has no path through a mount that another was mounted on top of', () => {
    const table = mountinfo(
      ROOT_ON_SDA1,
      '30 22 8:17 / /mnt rw - ext4 /dev/sdb1 rw',
      '31 30 0:40 / /mnt rw - tmpfs tmpfs rw',
    );
    expect(hostPath(table, dev(8, 17), '/x')).toBeUndefined();
    expect(hostPath(table, dev(0, 40), '/x')).toBe('/mnt/x');
  });

  it("finds the top of a stack of mounts whatever the table's order", () => {
    // Mount propagation can slip a mount beneath one already there, which
    // is then listed before its new parent.
    const table = mountinfo(
      ROOT_ON_SDA1,
      '31 32 0:40 / /mnt rw - tmpfs tmpfs rw',
      '32 22 8:17 / /mnt rw - ext4 /dev/sdb1 rw',
    );
    expect(hostPath(table, dev(0, 40), '/x')).toBe('/mnt/x');
    expect(hostPath(table, dev(8, 17), '/x')).toBeUndefined();
  });

  it('has no path for a directory that another filesystem is mounted over', () => {
    const table = mountinfo(ROOT_ON_SDA1, '23 22 8:2 / /home rw - ext4 /dev/sda2 rw');
    expect(hostPath(table, SDA1, '/home/x')).toBeUndefined();
    expect(hostPath(table, SDA1, '/home')).toBeUndefined();
    expect(hostPath(table, SDA1, '/homework/x')).toBe('/homework/x');
    expect(hostPath(table, dev(8, 2), '/x')).toBe('/home/x');
  });

  it('has no path through a mount whose parent was covered after it was made', () => {
    // /a/b was mounted inside the sdb1 at /a, then a tmpfs covered /a: /a/b
    // is now the tmpfs's, though the table still lists the older mount there.
    const table = mountinfo(
      ROOT_ON_SDA1,
      '30 22 8:17 / /a rw - ext4 /dev/sdb1 rw',
      '31 30 8:33 / /a/b rw - ext4 /dev/sdc1 rw',
      '32 30 0:40 / /a rw - tmpfs tmpfs rw',
    );
    expect(hostPath(table, dev(8, 33), '/x')).toBeUndefined();
    expect(hostPath(table, dev(0, 40), '/b/x')).toBe('/a/b/x');
  });

  it("uses a bind mount where the whole filesystem's mount is covered at that directory", () => {
    const table = mountinfo(
      ROOT_ON_SDA1,
      '23 22 0:40 / /srv rw - tmpfs tmpfs rw',
      '40 22 8:1 /srv/data /data rw - ext4 /dev/sda1 rw',
    );
    expect(hostPath(table, SDA1, '/srv/data/report.txt')).toBe('/data/report.txt');
  });

  it('has no path for device 0 or a path that is not absolute', () => {
    const mounts = new HostMounts(() => {
      throw new Error('the mount table was read');
    });
    expect(mounts.hostPath(0, '/x')).toBeUndefined();
    expect(mounts.hostPath(SDA1, 'x')).toBeUndefined();
    expect(mounts.hostPath(SDA1, '…/x')).toBeUndefined();
  });

  it('throws, naming the line, where the mount table is not mountinfo', () => {
    expect(() => hostPath(mountinfo(ROOT_ON_SDA1, 'garbage'), SDA1, '/x')).toThrow(/line 2\b/);
  });
});

describe('HostMounts, as mounts change', () => {
  const VOLUME = '41 22 8:17 / /mnt/volume rw - ext4 /dev/sdb1 rw';

  /** A mount table that can change, a clock that moves only when told, and a count of readings. */
  function changingHost() {
    const host = { table: mountinfo(ROOT_ON_SDA1), now: 1_000_000, reads: 0 };
    const mounts = new HostMounts(
      () => {
        host.reads++;
        return host.table;
      },
      () => host.now,
    );
    return { host, mounts };
  }

  it('reads the table only when first asked', () => {
    const { host, mounts } = changingHost();
    expect(host.reads).toBe(0);
    mounts.hostPath(SDA1, '/x');
    expect(host.reads).toBe(1);
  });

  it('answers from the table it has for up to a second', () => {
    const { host, mounts } = changingHost();
    mounts.hostPath(SDA1, '/x');
    host.now += 1000;
    expect(mounts.hostPath(SDA1, '/y')).toBe('/y');
    expect(host.reads).toBe(1);
  });

  it('reads the table again once it is over a second old, and sees what changed', () => {
    const { host, mounts } = changingHost();
    mounts.hostPath(SDA1, '/home/x');
    host.table = mountinfo(ROOT_ON_SDA1, '23 22 8:2 / /home rw - ext4 /dev/sda2 rw');
    host.now += 1001;
    expect(mounts.hostPath(SDA1, '/home/x')).toBeUndefined();
    expect(host.reads).toBe(2);
  });

  it('reads the table again where it has no answer, finding a mount made since', () => {
    const { host, mounts } = changingHost();
    mounts.hostPath(SDA1, '/x');
    host.table = mountinfo(ROOT_ON_SDA1, VOLUME);
    host.now += 100;
    expect(mounts.hostPath(dev(8, 17), '/data')).toBe('/mnt/volume/data');
    expect(host.reads).toBe(2);
  });

  it('reads the table again for want of an answer at most every 100 ms', () => {
    const { host, mounts } = changingHost();
    expect(mounts.hostPath(dev(8, 17), '/data')).toBeUndefined();
    expect(host.reads).toBe(1);
    host.table = mountinfo(ROOT_ON_SDA1, VOLUME);
    host.now += 99;
    expect(mounts.hostPath(dev(8, 17), '/data')).toBeUndefined();
    expect(host.reads).toBe(1);
    host.now += 1;
    expect(mounts.hostPath(dev(8, 17), '/data')).toBe('/mnt/volume/data');
    expect(host.reads).toBe(2);
  });

  it('reads the table only once for a miss, however long the table was kept', () => {
    const { host, mounts } = changingHost();
    mounts.hostPath(SDA1, '/x');
    host.now += 5000;
    expect(mounts.hostPath(dev(8, 17), '/data')).toBeUndefined();
    expect(host.reads).toBe(2);
  });

  it('reads the table again where the clock went back', () => {
    const { host, mounts } = changingHost();
    mounts.hostPath(SDA1, '/x');
    host.table = mountinfo(ROOT_ON_SDA1, VOLUME);
    host.now -= 60_000;
    expect(mounts.hostPath(dev(8, 17), '/data')).toBe('/mnt/volume/data');
    expect(host.reads).toBe(2);
  });
});
