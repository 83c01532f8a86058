// The `it` of the tests that speak JSON-RPC to the helper (helperServer.ts).
// Each test that names them in its context gets:
// - scratch: a directory of its own, removed after the test;
// - spawnHelper(options): spawns a helper; every helper the test spawned is
//   ended after it, passed or failed, so that none goes on tracing;
// - helper: one helper spawned with no options, ready but not yet initialized;
// - tracingHelper(options): a helper spawned with `options` that is already
//   tracing (startTracing in helperServer.ts).
import { ResponseError } from 'vscode-jsonrpc/node';
import { expect, test } from 'vitest';

import {
  spawnHelper as spawnHelperProcess,
  startTracing,
  type HelperUnderTest,
  type SpawnOptions,
} from './helperServer';
import { makeScratchDirectory, removeScratchDirectory } from './scratch';

export interface TracingHelperOptions extends SpawnOptions {
  /** What it traces below: the test's scratch directory where none is given. */
  directory?: string;
}

export const helperTest = test
  .extend('scratch', ({}, { onCleanup }) => {
    const directory = makeScratchDirectory();
    onCleanup(() => removeScratchDirectory(directory));
    return directory;
  })
  .extend('spawnHelper', ({}, { onCleanup }) => {
    const spawned: HelperUnderTest[] = [];
    onCleanup(async () => {
      await Promise.all(spawned.map((helper) => helper.dispose()));
    });
    return (options: SpawnOptions = {}): HelperUnderTest => {
      const helper = spawnHelperProcess(options);
      spawned.push(helper);
      return helper;
    };
  })
  .extend('helper', async ({ spawnHelper }) => {
    const helper = spawnHelper();
    await helper.ready;
    return helper;
  })
  .extend('tracingHelper', ({ scratch, spawnHelper }) => {
    return async ({ directory = scratch, ...spawnOptions }: TracingHelperOptions = {}): Promise<HelperUnderTest> => {
      const helper = spawnHelper(spawnOptions);
      await startTracing(helper, directory);
      return helper;
    };
  });

/** The error a request was answered with; expects it to be one. */
export async function errorOf(request: Promise<unknown>): Promise<ResponseError<unknown>> {
  const error = await request.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ResponseError);
  return error as ResponseError<unknown>;
}
