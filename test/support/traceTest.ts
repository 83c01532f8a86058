// The `it` of the tests that run the terminal command (traceCommand.ts) on
// deletions they make. Each test that names them in its context gets:
// - scratch: a directory of its own, removed after the test; any trace the
//   test left running (an expectation that failed before the trace stopped)
//   is killed first, so that it cannot report into the next test;
// - deleter, deleter32: test/fixtures/deleter.c built for 64-bit and 32-bit
//   x86, compiled once per test file.
import { test } from 'vitest';

import { buildFixture } from './programs';
import { makeScratchDirectory, removeScratchDirectory } from './scratch';
import { killRunningTraces } from './traceCommand';

export const traceTest = test
  .extend('scratch', ({}, { onCleanup }) => {
    const directory = makeScratchDirectory();
    onCleanup(() => {
      killRunningTraces();
      removeScratchDirectory(directory);
    });
    return directory;
  })
  .extend('deleter', { scope: 'file' }, () => buildFixture('deleter'))
  .extend('deleter32', { scope: 'file' }, () => buildFixture('deleter', { bits32: true }));
