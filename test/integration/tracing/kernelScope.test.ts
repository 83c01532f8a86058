// The kernel's own scope (docs/path-resolution.md, "Scope in the kernel"): shown the
// traced folders by their dentries, it sends no deletion it can tell is
// outside them, counts those as filtered, and marks the ones it met a
// folder above as in scope. What it cannot tell it sends, for user space to
// decide: never a deletion dropped that might be in scope.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { ATTACH_MODES } from '../../../common/protocol';
import { KernelScope } from '../../../helper/tracing/kernelScope';
import { deletionFlags, recordSteps } from '../../support/processRecords';
import { buildFixture } from '../../support/programs';
import { makeTree } from '../../support/scratch';
import { traceTest } from '../../support/traceTest';

const it = traceTest.extend('stepDeleter', { scope: 'file' }, () => buildFixture('step_deleter'));

const inScope = (flags: number): boolean => (flags & deletionFlags.inScope) !== 0;

describe.each(ATTACH_MODES)("the kernel's scope (%s mode)", (mode) => {
  it('sends none of the deletions outside the traced folders, and counts them', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['traced/a', 'traced/deeper/b', 'outside/1', 'outside/2', 'outside/3']);
    const scope = new KernelScope();
    let filtered = 0;
    const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
      expect(scope.teach(records.programs, [`${scratch}/traced`])).toEqual({ active: true });
      const before = records.programs.lost().filtered;
      for (const name of ['1', '2', '3']) await deleter.do(`unlink ${scratch}/outside/${name}`);
      await deleter.do(`unlink ${scratch}/traced/a`);
      await deleter.do(`cd ${scratch}/traced/deeper`);
      await deleter.do('unlink b');
      filtered = records.programs.lost().filtered - before;
    });
    scope.closeFolders();

    expect(seen.map(({ path, flags }) => [path, inScope(flags)])).toEqual([
      [`${scratch}/traced/a`, true],
      [`${scratch}/traced/deeper/b`, true],
    ]);
    expect(filtered).toBeGreaterThanOrEqual(3);
  });

  it('sends a deletion in the directory that holds a traced folder, for user space to place', async ({
    scratch,
    stepDeleter,
  }) => {
    // What is deleted there may be the traced folder itself, which the kernel does not look up.
    makeTree(scratch, ['parent/traced/.keep', 'parent/sibling']);
    const scope = new KernelScope();
    const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
      expect(scope.teach(records.programs, [`${scratch}/parent/traced`])).toEqual({ active: true });
      await deleter.do(`cd ${scratch}/parent`);
      await deleter.do('unlink sibling');
    });
    scope.closeFolders();

    expect(seen.map(({ path, flags }) => [path, inScope(flags)])).toEqual([[`${scratch}/parent/sibling`, false]]);
  });

  it('knows a traced folder reached through a bind mount', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['traced/x', 'alias/.keep']);
    execFileSync('mount', ['--bind', `${scratch}/traced`, `${scratch}/alias`]);
    const scope = new KernelScope();
    try {
      const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
        expect(scope.teach(records.programs, [`${scratch}/traced`])).toEqual({ active: true });
        await deleter.do(`unlink ${scratch}/alias/x`);
      });
      expect(seen.map(({ path, flags }) => [path, inScope(flags)])).toEqual([[`${scratch}/alias/x`, true]]);
    } finally {
      scope.closeFolders();
      execFileSync('umount', [`${scratch}/alias`]);
    }
  });

  it('sends everything where a folder cannot be opened', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['outside/1']);
    const scope = new KernelScope();
    const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
      const outcome = scope.teach(records.programs, [`${scratch}/not-yet`]);
      expect(outcome.active).toBe(false);
      await deleter.do(`unlink ${scratch}/outside/1`);
    });

    expect(seen.map(({ path }) => path)).toEqual([`${scratch}/outside/1`]);
  });

  it('judges a remembered directory again when the scope changes', async ({ scratch, stepDeleter }) => {
    makeTree(scratch, ['traced/.keep', 'other/1', 'other/2', 'other/3']);
    const scope = new KernelScope();
    const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
      expect(scope.teach(records.programs, [`${scratch}/traced`])).toEqual({ active: true });
      await deleter.do(`cd ${scratch}/other`);
      await deleter.do('unlink 1');
      await deleter.do('unlink 2');
      expect(scope.teach(records.programs, [`${scratch}/other`])).toEqual({ active: true });
      await deleter.do('unlink 3');
    });
    scope.closeFolders();

    expect(seen.map(({ path, naming, flags }) => [path, naming, inScope(flags)])).toEqual([
      [`${scratch}/other/3`, 'named', true],
    ]);
  });

  it('finds a traced folder above a directory too deep to name', async ({ scratch, stepDeleter }) => {
    const levels = Array.from({ length: 140 }, (_, depth) => `level${depth}`);
    const deep = path.join(scratch, 'traced', ...levels);
    makeTree(deep, ['victim']);
    fs.mkdirSync(`${scratch}/elsewhere`);
    const scope = new KernelScope();
    const seen = await recordSteps(mode, stepDeleter, async (deleter, records) => {
      expect(scope.teach(records.programs, [`${scratch}/traced`])).toEqual({ active: true });
      await deleter.do(`cd ${deep}`);
      await deleter.do('unlink victim');
    });
    scope.closeFolders();

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ complete: false });
    expect(inScope(seen[0].flags)).toBe(true);
    expect(seen[0].path.endsWith('/level139/victim')).toBe(true);
  });
});
