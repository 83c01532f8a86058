// A storm of deletions, as `rm -rf` of a large tree makes: every one of them
// reported, none lost between the kernel and the output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeStormTree, removeStormTree, type StormTree } from '../../support/stormTree';
import { killRunningTraces, traceProgram, type TracedProgram } from '../../support/traceCommand';

describe('100,000 deletions', () => {
  let storm: StormTree;
  let output: TracedProgram;

  beforeAll(async () => {
    storm = makeStormTree();
    output = await traceProgram({ paths: [storm.directory] }, 'rm', ['-rf', 'tree'], { cwd: storm.directory });
  });
  afterAll(() => {
    killRunningTraces();
    removeStormTree(storm);
  });

  it('reports every file and directory that rm -rf deleted, each once, and loses none', () => {
    const expected = storm.paths;
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
    expect(
      output.events.every(
        (event) => event.pid === output.program.pid && event.comm === 'rm' && event.cmdline.join(' ') === 'rm -rf tree',
      ),
    ).toBe(true);
    expect(output.events.every((event, i) => i === 0 || event.seq > output.events[i - 1].seq)).toBe(true);
  });
});
