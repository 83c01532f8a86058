// The helper is the only part that runs as root. It refuses to trace without
// the privileges to, and once its programs are attached it gives up what it
// no longer needs in every one of its threads, as /proc shows them: the user
// who asked for it through sudo becomes its user; otherwise it keeps uid 0
// with no capability at all. Stopping and starting again still works.
import * as fs from 'node:fs';
import { describe, expect } from 'vitest';

import { CAP_BPF, CAP_PERFMON, hasCapability } from '../../helper/privileges';
import { HelperErrorCodes, StartRequest } from '../../common/protocol';
import { initialize, restartAndDeleteFiles, threadStatuses, type SpawnOptions } from './support/helperServer';
import { errorOf, helperTest as it } from './support/helperTest';

const NOBODY = 65534;

describe('without the privileges to trace', () => {
  it('refuses trace/start in one sentence that says what is missing', async ({ scratch, spawnHelper }) => {
    const helper = spawnHelper({ prefix: ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'] });
    await initialize(helper, 'raw');
    const error = await errorOf(helper.connection.sendRequest(StartRequest, { scope: { paths: [scratch] } }));
    expect(error.code).toBe(HelperErrorCodes.NotPermitted);
    expect(error.message).toBe(
      `Tracing deletions needs root, or the CAP_BPF and CAP_PERFMON capabilities, and this helper (uid ${NOBODY}) has neither.`,
    );
  });
});

describe('started by root', () => {
  it('holds the capabilities to trace before trace/start', async ({ helper }) => {
    await initialize(helper, 'raw');
    for (const thread of threadStatuses(helper.pid)) {
      expect(hasCapability(thread.effective, CAP_BPF) && hasCapability(thread.effective, CAP_PERFMON)).toBe(true);
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
      expect({ tid: thread.tid, bounding: thread.bounding, inheritable: thread.inheritable, ambient: thread.ambient }).toEqual({
        tid: thread.tid,
        bounding: 0n,
        inheritable: 0n,
        ambient: 0n,
      });
      expect(thread.noNewPrivileges).toBe(true);
    }
  });

  it('stops and starts again without its privileges, and still reports deletions', async ({ scratch, tracingHelper }) => {
    const started = await tracingHelper({ attachMode: 'raw' });
    const { files } = await restartAndDeleteFiles(started, scratch, 3);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
  });
});

describe('started through sudo (SUDO_UID and SUDO_GID)', () => {
  const sudo: SpawnOptions = { env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) } };

  it('becomes that user, with that group alone and no capability, in every thread once attached', async ({ tracingHelper }) => {
    const { pid } = await tracingHelper({ attachMode: 'raw', ...sudo });
    const threads = threadStatuses(pid);
    expect(threads.length).toBeGreaterThan(1);
    for (const thread of threads) {
      expect({ tid: thread.tid, uid: thread.uid, gid: thread.gid, permitted: thread.permitted, effective: thread.effective }).toEqual({
        tid: thread.tid,
        uid: NOBODY,
        gid: NOBODY,
        permitted: 0n,
        effective: 0n,
      });
    }
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
