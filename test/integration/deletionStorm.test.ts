// A storm of deletions, as `rm -rf` of a large tree makes: every one of them
// reported, none lost between the kernel and the output.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { run } from './support/programs';
import { makeScratchDirectory, removeScratchDirectory } from './support/scratch';
import { killRunningTraces, traceWhile, type TraceOutput } from './support/traceCommand';

const DIRECTORIES = 100;
const FILES_PER_DIRECTORY = 1000;

describe('100,000 deletions', () => {
  let scratch: string;
  let expected: Set<string>;
  let output: TraceOutput;
  let rm = { pid: 0 };

  beforeAll(async () => {
    scratch = makeScratchDirectory();
    // On a tmpfs of its own: making 100,000 files on a disk can take a minute,
    // and what is tested is the same for any file system.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'syscall-trace-test', scratch]);
    const tree = path.join(scratch, 'tree');
    expected = new Set([tree]);
    fs.mkdirSync(tree);
    for (let d = 0; d < DIRECTORIES; d++) {
      const directory = path.join(tree, `dir${d}`);
      fs.mkdirSync(directory);
      expected.add(directory);
      for (let f = 0; f < FILES_PER_DIRECTORY; f++) {
        const file = path.join(directory, `file${f}`);
        fs.closeSync(fs.openSync(file, 'w'));
        expected.add(file);
      }
    }

    output = await traceWhile({ paths: [scratch] }, async () => {
      rm = await run('rm', ['-rf', 'tree'], { cwd: scratch });
    });
  });
  afterAll(() => {
    killRunningTraces();
    execFileSync('umount', [scratch]);
    removeScratchDirectory(scratch);
  });

  it('reports every file and directory that rm -rf deleted, each once, and loses none', () => {
    expect(output.stats.lost).toBe(0);
    expect(output.events).toHaveLength(expected.size);
    const reported = new Set(output.events.map((event) => event.path));
    expect(reported.size).toBe(expected.size);
    const missing = [...expected].filter((entry) => !reported.has(entry));
    expect(missing).toEqual([]);
    expect(output.stats.events).toBe(expected.size);
    expect(output.otherLines).toEqual([]);
    expect(output.exitCode).toBe(0);
  });

  it('attributes every deletion to rm with its command line, numbered in order', () => {
    expect(output.events.every((event) => event.pid === rm.pid && event.comm === 'rm' && event.cmdline.join(' ') === 'rm -rf tree')).toBe(true);
    expect(output.events.every((event, i) => i === 0 || event.seq > output.events[i - 1].seq)).toBe(true);
  });
});
