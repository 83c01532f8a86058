// The two program sets (docs/kernel-programs.md, "Two program sets"): this kernel
// has what both need, so SYSCALL_TRACE_PROGRAMS chooses, and each set must
// report a deletion at its path, complete, with the ready line naming it. A
// value that names no set is refused in one line; the newer set refused by
// the loader (the addon's test seam, as a verifier of another version might
// refuse it) leaves the older in its place, and the log says why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';

import { PROGRAM_SETS, StartRequest } from '../../../common/protocol';
import { initialize, restartAndDeleteFiles } from '../../support/helperServer';
import { helperTest } from '../../support/helperTest';
import { run } from '../../support/programs';
import { HELPER_SCRIPT, traceWhile } from '../../support/traceCommand';
import { traceTest as it } from '../../support/traceTest';

const REFUSE_NEWER = { SYSCALL_TRACE_TEST_REFUSE_PROGRAMS: 'newer' };
const SEAM_REFUSAL =
  'the newer programs were refused before loading, as SYSCALL_TRACE_TEST_REFUSE_PROGRAMS=newer (a seam for tests) asks';

/** Deletes one file in `directory` and returns its path. */
function deleteOneFile(directory: string): string {
  const file = path.join(directory, 'deleted-by-this-set');
  fs.writeFileSync(file, '');
  fs.unlinkSync(file);
  return file;
}

describe('the trace command with SYSCALL_TRACE_PROGRAMS', () => {
  for (const programSet of PROGRAM_SETS) {
    it(`=${programSet} traces with the ${programSet} set, which its ready line names, and reports a deletion complete at its path`, async ({
      scratch,
    }) => {
      let file = '';
      const output = await traceWhile({ paths: [scratch], env: { SYSCALL_TRACE_PROGRAMS: programSet } }, async () => {
        file = deleteOneFile(scratch);
      });
      expect(output.ready).toMatchObject({
        programSet,
        programSetReason: `as SYSCALL_TRACE_PROGRAMS=${programSet} asks`,
      });
      expect(
        output.events.map(({ path: deleted, complete, syscall, result }) => ({
          path: deleted,
          complete,
          syscall,
          result,
        })),
      ).toEqual([{ path: file, complete: true, syscall: 'unlink', result: 0 }]);
      expect(output.stats).toMatchObject({ events: 1, lost: 0 });
    });
  }

  it('names the set in the first line without --jsonl', async ({ scratch }) => {
    const { status, stderr } = await run(process.execPath, [HELPER_SCRIPT, 'trace', '--path', scratch], {
      env: { SYSCALL_TRACE_PROGRAMS: 'older' },
      mayFail: true,
      timeoutMs: 3000,
    });
    // Killed once it had traced a while: its first line is what counts.
    expect(status).toBeNull();
    const [mode, rest] = stderr.split('\n')[0].split(' mode: ');
    expect(mode).toBe(`Tracing deletions in ${scratch} (complete`);
    expect(rest).toMatch(
      /^(raw|tracepoint) programs; programs: older \(as SYSCALL_TRACE_PROGRAMS=older asks\)\); Ctrl-C stops\.$/,
    );
  });

  it('that names no set is refused in one line, exit status 1, before anything is loaded', async () => {
    const { status, stderr } = await run(process.execPath, [HELPER_SCRIPT, 'trace'], {
      env: { SYSCALL_TRACE_PROGRAMS: 'oldest' },
      mayFail: true,
    });
    expect(status).toBe(1);
    expect(stderr).toBe('syscall-trace: SYSCALL_TRACE_PROGRAMS must be "newer" or "older" (or unset), not "oldest"\n');
  });
});

describe('where the newer set does not load', () => {
  it('the trace command takes the older set, says why, and reports the deletion', async ({ scratch }) => {
    let file = '';
    const output = await traceWhile({ paths: [scratch], env: REFUSE_NEWER }, async () => {
      file = deleteOneFile(scratch);
    });
    expect(output.ready).toMatchObject({
      programSet: 'older',
      programSetReason: `the newer programs did not load: ${SEAM_REFUSAL}`,
    });
    expect(output.stderr).toContain(
      `syscall-trace: the newer programs did not load on this kernel, so the helper tries the older ones: ${SEAM_REFUSAL}\n`,
    );
    expect(output.events.map((event) => [event.path, event.complete])).toEqual([[file, true]]);
  });

  it('SYSCALL_TRACE_PROGRAMS=newer fails with the reason instead', async () => {
    const { status, stderr } = await run(process.execPath, [HELPER_SCRIPT, 'trace'], {
      env: { ...REFUSE_NEWER, SYSCALL_TRACE_PROGRAMS: 'newer' },
      mayFail: true,
    });
    expect(status).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(`syscall-trace: ${SEAM_REFUSAL}`);
  });
});

describe('the --stdio helper', () => {
  helperTest(
    'answers initialize with the set it loaded, logs it, and traces with it',
    async ({ scratch, spawnHelper }) => {
      const helper = spawnHelper({ env: { SYSCALL_TRACE_PROGRAMS: 'older' } });
      const info = await initialize(helper);
      expect(info.programSet).toBe('older');
      expect(helper.stderr()).toMatch(
        /syscall-trace: loaded \(complete mode: \w+ programs; programs: older \(as SYSCALL_TRACE_PROGRAMS=older asks\)\); /,
      );

      await helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } });
      const { files, stats } = await restartAndDeleteFiles(helper, scratch, 2);
      expect(helper.deletions.map((event) => event.path).sort()).toEqual(files.sort());
      expect(stats).toMatchObject({ events: 2, lost: 0 });
    },
  );

  helperTest('answers initialize with the newer set by default', async ({ helper }) => {
    expect((await initialize(helper)).programSet).toBe('newer');
    expect(helper.stderr()).toMatch(/syscall-trace: loaded \(complete mode: \w+ programs; programs: newer\); /);
  });
});
