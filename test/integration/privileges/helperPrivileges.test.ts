// The helper is the only part that runs as root. It refuses to trace without
// the privileges to, and once its programs are loaded, before it reads a
// single request, it gives up what it no longer needs in every one of its
// threads, as /proc shows them: the user who asked for it through sudo
// becomes its user; otherwise it keeps uid 0 with no capability at all.
// Attaching, stopping and starting again still work. A drop that fails ends
// the helper.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect } from 'vitest';

import { HelperErrorCodes, StartRequest } from '../../../common/protocol';
import {
  everyThreadAgainst,
  initialize,
  restartAndDeleteFiles,
  threadStatuses,
  type SpawnOptions,
} from '../../support/helperServer';
import { errorOf, helperTest as it } from '../../support/helperTest';
import { HELPER_SCRIPT } from '../../support/traceCommand';

const NOBODY = 65534;

describe('without the privileges to trace', () => {
  it('refuses trace/start in one sentence that says what is missing', async ({ scratch, spawnHelper }) => {
    const helper = spawnHelper({
      attachMode: 'raw',
      prefix: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'],
    });
    await initialize(helper);
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } }));
    expect(error.code).toBe(HelperErrorCodes.NotPermitted);
    expect(error.message).toBe(
      `Tracing deletions needs root, or the CAP_BPF and CAP_PERFMON capabilities, and this helper (uid ${NOBODY}) has neither.`,
    );
  });
});

describe('started by root', () => {
  it('has given up every capability in every thread once it says it is ready, before any request', async ({
    spawnHelper,
  }) => {
    const helper = spawnHelper({ attachMode: 'raw' });
    await helper.ready;
    // The program set is the suite's: newer, or older where integration-older asks for it.
    expect(helper.stderr()).toMatch(
      /syscall-trace: loaded \(raw mode: raw programs; programs: (newer|older \([^)]*\))\); now running as uid 0 with no capabilities\n/,
    );
    for (const thread of threadStatuses(helper.pid)) {
      expect({ tid: thread.tid, effective: thread.effective, permitted: thread.permitted }).toEqual({
        tid: thread.tid,
        effective: 0n,
        permitted: 0n,
      });
    }
  });

  it('keeps uid 0 but no capability in any set of any thread once attached', async ({ tracingHelper }) => {
    const { pid } = await tracingHelper({ attachMode: 'raw' });
    const threads = threadStatuses(pid);
    expect(threads.length).toBeGreaterThan(1);
    for (const thread of threads) {
      expect({ tid: thread.tid, uid: thread.uid, permitted: thread.permitted, effective: thread.effective }).toEqual({
        tid: thread.tid,
        uid: 0,
        permitted: 0n,
        effective: 0n,
      });
      expect({
        tid: thread.tid,
        bounding: thread.bounding,
        inheritable: thread.inheritable,
        ambient: thread.ambient,
      }).toEqual({
        tid: thread.tid,
        bounding: 0n,
        inheritable: 0n,
        ambient: 0n,
      });
      expect(thread.noNewPrivileges).toBe(true);
    }
  });

  it('stops and starts again without its privileges, and still reports deletions', async ({
    scratch,
    tracingHelper,
  }) => {
    const started = await tracingHelper({ attachMode: 'raw' });
    const { files } = await restartAndDeleteFiles(started, scratch, 3);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
  });
});

describe('started through sudo (SUDO_UID and SUDO_GID)', () => {
  const sudo: SpawnOptions = { env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) } };

  it('becomes that user, with that group alone and no capability, in every thread once attached', async ({
    tracingHelper,
  }) => {
    const { pid } = await tracingHelper({ attachMode: 'raw', ...sudo });
    expect(threadStatuses(pid).length).toBeGreaterThan(1);
    const { actual, wanted } = everyThreadAgainst(pid, { uid: NOBODY, gid: NOBODY, permitted: 0n, effective: 0n });
    expect(actual).toEqual(wanted);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\s*(.*)$/m.exec(status)![1].split(/\s+/)).toEqual(Array(4).fill(String(NOBODY)));
    expect(/^Groups:\s*(.*)$/m.exec(status)![1].trim()).toBe(String(NOBODY));
  });

  it('stops and starts again as that user, and still reports deletions', async ({ scratch, tracingHelper }) => {
    const started = await tracingHelper({ attachMode: 'raw', ...sudo });
    const { files, stats } = await restartAndDeleteFiles(started, scratch, 3);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
    expect(stats).toMatchObject({ events: 3, lost: 0 });
  });
});

describe('where giving up its privileges fails', () => {
  // Root without CAP_SETUID (gone from the bounding set, so from every set
  // after execve) loads the programs, then cannot become the user who asked.
  const withoutSetuid = ['setpriv', '--bounding-set=-setuid', '--inh-caps=-setuid', '--'];
  const sudo = { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) };

  it('the JSON-RPC helper ends with a message, before it is ready', async ({ spawnHelper }) => {
    const helper = spawnHelper({ attachMode: 'raw', prefix: withoutSetuid, env: sudo });
    await expect(helper.ready).rejects.toThrow(/before it was ready/);
    expect(await helper.exited).toEqual({ code: 1, signal: null });
    expect(helper.stderr()).toMatch(
      /^syscall-trace: the helper could not give up its privileges, so it ends: switching user failed: Operation not permitted \(EPERM\)\n$/m,
    );
  });

  it('the terminal command ends with a message and attaches nothing', () => {
    const result = spawnSync(
      withoutSetuid[0],
      [...withoutSetuid.slice(1), process.execPath, HELPER_SCRIPT, 'trace', '--mode', 'raw'],
      {
        env: { ...process.env, ...sudo },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^syscall-trace: the helper could not give up its privileges, so it ends: .*switching user.*EPERM/m,
    );
    expect(result.stderr).not.toContain('Tracing deletions');
  });
});
