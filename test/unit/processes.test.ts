// Command lines and ancestors kept per process image (helper/processes.ts).
import { describe, expect, it } from 'vitest';

import { ProcessCache } from '../../helper/processes';
import type { ProcessKey, ProcessRecord } from '../../helper/records';

const key = (tgid: number, execId = 1, startTime = 1000n): ProcessKey => ({ tgid, execId, startTime });

/** A process in a login session's cgroup, not a container's. */
function processRecord(process: ProcessKey, ...cmdline: string[]): ProcessRecord {
  return {
    kind: 'process',
    process,
    flags: 0,
    ancestors: [{ pid: 1, comm: Buffer.from('init') }],
    cmdline: cmdline.map((argument) => Buffer.from(argument)),
    cgroupName: Buffer.from('session-2.scope'),
    cgroupParentName: Buffer.from('user-1000.slice'),
  };
}

describe('ProcessCache', () => {
  it('gives the command line and ancestors of the process image a deletion came from', () => {
    const cache = new ProcessCache(8, () => undefined);
    cache.remember(processRecord(key(10), 'rm', '-rf', 'tree'));
    expect(cache.lookup(key(10))).toEqual({ cmdline: ['rm', '-rf', 'tree'], ancestors: [{ pid: 1, comm: 'init' }] });
  });

  it('gives no container for a process whose cgroup is not a container\'s', () => {
    const cache = new ProcessCache(8, () => undefined);
    cache.remember(processRecord(key(10), 'rm'));
    expect(cache.lookup(key(10))?.container).toBeUndefined();
  });

  it('gives the container that the process\'s cgroup names', () => {
    const id = '3f4e'.repeat(16);
    const cache = new ProcessCache(8, () => undefined);
    cache.remember({ ...processRecord(key(10), 'rm'), cgroupName: Buffer.from(`docker-${id}.scope`), cgroupParentName: Buffer.from('system.slice') });
    expect(cache.lookup(key(10))?.container).toEqual({ engine: 'docker', id });
  });

  it('tells a process apart from an earlier program image or an earlier process with its pid', () => {
    const cache = new ProcessCache(8, () => undefined);
    cache.remember(processRecord(key(10), 'sh'));
    expect(cache.lookup(key(10))?.cmdline).toEqual(['sh']);
    expect(cache.lookup(key(10, 2))).toBeUndefined();
    expect(cache.lookup(key(10, 1, 2000n))).toBeUndefined();
  });

  it('gives every deletion of one process the same information, not a copy', () => {
    const cache = new ProcessCache(8, () => undefined);
    cache.remember(processRecord(key(10), 'rm'));
    expect(cache.lookup(key(10))).toBe(cache.lookup({ ...key(10) }));
  });

  it('forgets the least recently used process beyond its capacity, and says which', () => {
    const forgotten: number[] = [];
    const cache = new ProcessCache(2, (process) => forgotten.push(process.tgid));
    cache.remember(processRecord(key(1), 'one'));
    cache.remember(processRecord(key(2), 'two'));
    cache.lookup(key(1));
    cache.lookup(key(1));
    cache.remember(processRecord(key(3), 'three'));
    expect(forgotten).toEqual([2]);
    expect(cache.lookup(key(1))?.cmdline).toEqual(['one']);
    expect(cache.lookup(key(2))).toBeUndefined();
  });

  it('gives a process\'s new information once it is sent again', () => {
    const cache = new ProcessCache(2, () => undefined);
    cache.remember(processRecord(key(1), 'old'));
    expect(cache.lookup(key(1))?.cmdline).toEqual(['old']);
    cache.remember(processRecord(key(1), 'new'));
    expect(cache.lookup(key(1))?.cmdline).toEqual(['new']);
  });
});
