// The kernel walks from the directory a name is relative to up to the root
// in a bounded number of steps (DIRECTORY_WALK_MAX_STEPS in bpf/deletions.h).
// Deeper than that, the path is reported as what is known: its end, marked
// incomplete and begun with "…/", never as a wrong path that looks whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { loadAddon } from '../../../helper/native';
import type { DeletionEvent } from '../../../common/protocol';
import { run } from '../../support/programs';
import { traceProgram, traceWhile } from '../../support/traceCommand';
import { traceTest } from '../../support/traceTest';

const WALK_MAX_STEPS = loadAddon().layout.directoryWalkMaxSteps;
const DEPTH = WALK_MAX_STEPS + 12;

/** Every test gets `deepest`: the directory DEPTH levels below its scratch directory, which holds a file `victim`. */
const it = traceTest.extend('deepest', ({ scratch }) => {
  // Each level named for its depth, so that a tail cut at the wrong level cannot match.
  const levels = Array.from({ length: DEPTH }, (_, depth) => `d${String(depth).padStart(3, '0')}`);
  const deepest = path.join(scratch, ...levels);
  fs.mkdirSync(deepest, { recursive: true });
  fs.writeFileSync(path.join(deepest, 'victim'), '');
  return deepest;
});

describe('a path deeper than the kernel walks', () => {
  /** The deletion of `victim` by rm, traced over the whole system. */
  async function deleteVictim(deepest: string): Promise<DeletionEvent> {
    const { events, program: rm } = await traceProgram({}, 'rm', ['victim'], { cwd: deepest });
    const ours = events.filter((event) => event.pid === rm.pid);
    expect(ours).toHaveLength(1);
    return ours[0];
  }

  it('marks the path incomplete and starts it with "…/"', async ({ deepest }) => {
    const event = await deleteVictim(deepest);

    expect(event.complete).toBe(false);
    expect(event.path.startsWith('…/')).toBe(true);
  });

  it('reports the true end of the path, as far as the walk reached', async ({ deepest }) => {
    const event = await deleteVictim(deepest);

    const knownTail = event.path.slice('…'.length);
    expect(`${deepest}/victim`.endsWith(knownTail)).toBe(true);
    // The directories the walk named, one per step, and the file's own name.
    expect(knownTail.split('/').filter(Boolean)).toHaveLength(WALK_MAX_STEPS + 1);
  });

  it('reports the path inside a traced folder, as far as it is known: the kernel met the folder above', async ({
    scratch,
    deepest,
  }) => {
    const { events } = await traceWhile({ paths: [scratch] }, () => run('rm', ['victim'], { cwd: deepest }));

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ complete: false, result: 0 });
    expect(events[0].path.endsWith(`/${path.basename(deepest)}/victim`)).toBe(true);
  });

  it('leaves it out of a trace scoped to a folder it is not in', async ({ scratch, deepest }) => {
    const elsewhere = path.join(scratch, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const { events, stats } = await traceWhile({ paths: [elsewhere] }, () => run('rm', ['victim'], { cwd: deepest }));

    expect(events).toEqual([]);
    expect(stats.filtered).toBeGreaterThanOrEqual(1);
  });
});
