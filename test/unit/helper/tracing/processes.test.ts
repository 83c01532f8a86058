// Command lines and ancestors kept per process image (helper/tracing/processes.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { ProcessCache, readLiveCommandLine, startTicks } from '../../../../helper/tracing/processes';
import type { ProcessKey, ProcessRecord } from '../../../../helper/tracing/records';

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

  it("gives no container for a process whose cgroup is not a container's", () => {
    const cache = new ProcessCache(8, () => undefined);
    cache.remember(processRecord(key(10), 'rm'));
    expect(cache.lookup(key(10))?.container).toBeUndefined();
  });

  it("gives the container that the process's cgroup names", () => {
    const id = '3f4e'.repeat(16);
    const cache = new ProcessCache(8, () => undefined);
    cache.remember({
      ...processRecord(key(10), 'rm'),
      cgroupName: Buffer.from(`docker-${id}.scope`),
      cgroupParentName: Buffer.from('system.slice'),
    });
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

  it("gives a process's new information once it is sent again", () => {
    const cache = new ProcessCache(2, () => undefined);
    cache.remember(processRecord(key(1), 'old'));
    expect(cache.lookup(key(1))?.cmdline).toEqual(['old']);
    cache.remember(processRecord(key(1), 'new'));
    expect(cache.lookup(key(1))?.cmdline).toEqual(['new']);
  });

  it('reads a command line the kernel could not read from the live process, and never replaces a known one with nothing', () => {
    const live = new Map<number, string[]>([[7, ['python3', 'pool.py']]]);
    const cache = new ProcessCache(
      8,
      () => undefined,
      (process) => live.get(process.tgid),
    );
    cache.remember(processRecord(key(7)), true);
    expect(cache.lookup(key(7))?.cmdline).toEqual(['python3', 'pool.py']);
    live.delete(7);
    cache.remember(processRecord(key(7)), true);
    expect(cache.lookup(key(7))?.cmdline).toEqual(['python3', 'pool.py']);
    cache.remember(processRecord(key(7), 'python3', 'pool.py', '--from-kernel'));
    expect(cache.lookup(key(7))?.cmdline).toEqual(['python3', 'pool.py', '--from-kernel']);
    cache.remember(processRecord(key(8)), true);
    expect(cache.lookup(key(8))?.cmdline).toEqual([]);
  });
});

describe('readLiveCommandLine', () => {
  /** A /proc of one process: pid 42, started at `ticks` clock ticks after boot. */
  function fakeProc(ticks: number, cmdline: string): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-'));
    fs.mkdirSync(path.join(root, '42'));
    // A name with a space and a parenthesis, as a thread may name itself.
    const fields = [
      'S',
      '1',
      '42',
      '42',
      '0',
      '-1',
      '4194304',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
      '20',
      '0',
      '1',
      '0',
      String(ticks),
      '0',
    ];
    fs.writeFileSync(path.join(root, '42', 'stat'), `42 (a b) c) ${fields.join(' ')}\n`);
    fs.writeFileSync(path.join(root, '42', 'cmdline'), cmdline);
    return root;
  }

  it('reads /proc/PID/cmdline where the pid still is the process of the key (start_boottime in ns, /proc in ticks of 10 ms)', () => {
    const root = fakeProc(871012, 'rm\0-rf\0a b\0');
    expect(readLiveCommandLine({ tgid: 42, execId: 1, startTime: 8_710_129_999_999n }, root)).toEqual([
      'rm',
      '-rf',
      'a b',
    ]);
  });

  it('gives nothing for a pid that another process has taken since, or one that is gone', () => {
    const root = fakeProc(871013, 'rm\0');
    expect(readLiveCommandLine({ tgid: 42, execId: 1, startTime: 8_710_120_000_000n }, root)).toBeUndefined();
    expect(readLiveCommandLine({ tgid: 43, execId: 1, startTime: 8_710_130_000_000n }, root)).toBeUndefined();
  });

  it('gives nothing for an empty command line (a zombie, or a kernel thread)', () => {
    const root = fakeProc(5, '');
    expect(readLiveCommandLine({ tgid: 42, execId: 1, startTime: 50_000_000n }, root)).toBeUndefined();
  });

  it('finds the start time after a name that holds ") "', () => {
    expect(startTicks(`1 (x) y) S ${Array.from({ length: 18 }, () => '0').join(' ')} 123 0`)).toBe(123n);
  });
});
