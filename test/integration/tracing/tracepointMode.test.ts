// The tracepoint attach mode: the helper traces through the deletion
// syscalls' own tracepoints (tracepoint/syscalls/sys_enter_unlinkat, ...)
// instead of raw tracepoints that run at every syscall. Only that mode's
// programs are loaded; trace/stop detaches them all; and where each attach
// opens perf events (kernel.perf_event_paranoid below 3), the helper keeps
// CAP_PERFMON, and nothing else, to start again after it has given up its
// privileges; where it is 3 or more (Debian, Ubuntu), it keeps the perf events
// it opened while loading instead, and no capability. Where tracefs, which
// numbers the tracepoints, is not mounted, the helper mounts it or says how to.
import { spawn } from 'node:child_process';
import { describe, expect } from 'vitest';

import { CAP_PERFMON } from '../../../helper/privileges/privilegeDrop';
import {
  DEFAULT_MODE_CHOICE,
  HelperErrorCodes,
  InitializeRequest,
  PROTOCOL_VERSION,
  StopRequest,
} from '../../../common/protocol';
import { programsFor, readKernelFacts } from '../../../helper/tracing/attachModes';
import {
  attachedLinksOf,
  everyThreadAgainst,
  initialize,
  restartAndDeleteFiles,
  threadStatuses,
  TRACED_SYSCALLS,
  tracerProgramKindsOf,
  tracerProgramsOf,
  waitUntilUnloaded,
} from '../../support/helperServer';
import { errorOf, helperTest as it } from '../../support/helperTest';
import { perfEventsHeldBy, withPerfEventParanoid } from '../../support/perfEventParanoid';
import { HELPER_SCRIPT } from '../../support/traceCommand';

const NOBODY = 65534;
const PERFMON_ONLY = 1n << BigInt(CAP_PERFMON);
const TRACEPOINT_PROGRAMS = TRACED_SYSCALLS.flatMap((syscall) => [
  `tracepoint enter_${syscall}`,
  `tracepoint exit_${syscall}`,
]);
/** Both modes see io_uring's requests through its own tracepoints, attached as raw tracepoints. */
const IO_URING_PROGRAMS = ['raw_tracepoint uring_complete', 'raw_tracepoint uring_submit'];

describe('initialize', () => {
  it('names the mode the helper was started in', async ({ spawnHelper }) => {
    expect(await initialize(spawnHelper())).toMatchObject({
      modeChoice: DEFAULT_MODE_CHOICE,
      attachMode: programsFor(DEFAULT_MODE_CHOICE, readKernelFacts()),
    });
    expect(await initialize(spawnHelper({ attachMode: 'raw' }))).toMatchObject({ attachMode: 'raw' });
    expect(await initialize(spawnHelper({ attachMode: 'tracepoint' }), 'tracepoint')).toMatchObject({
      attachMode: 'tracepoint',
    });
  });

  it('refuses a client that expects another mode', async ({ spawnHelper }) => {
    const helper = spawnHelper({ attachMode: 'tracepoint' });
    await helper.ready;
    const error = await errorOf(
      helper.connection.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION, attachMode: 'raw' }),
    );
    expect(error.code).toBe(HelperErrorCodes.WrongState);
    expect(error.message).toBe(
      'initialize: this helper was started in tracepoint-without-32-bit mode (--mode); start another with --mode raw',
    );
  });
});

describe('the programs of the tracepoint mode', () => {
  it("are one on the entry and one on the exit of each deletion and rename syscall, and no raw tracepoint but io_uring's", async ({
    tracingHelper,
  }) => {
    const { pid } = await tracingHelper({ attachMode: 'tracepoint' });
    expect(tracerProgramKindsOf(pid)).toEqual([...TRACEPOINT_PROGRAMS, ...IO_URING_PROGRAMS].sort());
    expect(attachedLinksOf(pid)).toBe(TRACEPOINT_PROGRAMS.length + IO_URING_PROGRAMS.length);
  });

  it('are all detached by trace/stop, and stay loaded for the next start', async ({ tracingHelper }) => {
    const { pid, connection } = await tracingHelper({ attachMode: 'tracepoint' });
    const programs = tracerProgramsOf(pid);
    await connection.sendRequest(StopRequest, {});
    expect(tracerProgramsOf(pid)).toEqual(programs);
    expect(attachedLinksOf(pid)).toBe(0);
  });

  it('are unloaded once the helper exits', async ({ tracingHelper }) => {
    const started = await tracingHelper({ attachMode: 'tracepoint' });
    const programs = tracerProgramsOf(started.pid);
    started.child.stdin.end();
    expect(await started.exited).toEqual({ code: 0, signal: null });
    expect(await waitUntilUnloaded(programs)).toEqual([]);
  });
});

describe("privileges in tracepoint mode, where kernel.perf_event_paranoid is 2 (upstream's default)", () => {
  withPerfEventParanoid(2);

  it('keeps CAP_PERFMON alone, in every thread, from before the first request', async ({ spawnHelper }) => {
    const { pid, ready } = spawnHelper({ attachMode: 'tracepoint' });
    await ready;
    const threads = threadStatuses(pid);
    expect(threads.length).toBeGreaterThan(1);
    for (const thread of threads) {
      expect({
        tid: thread.tid,
        uid: thread.uid,
        permitted: thread.permitted,
        effective: thread.effective,
        bounding: thread.bounding,
      }).toEqual({
        tid: thread.tid,
        uid: 0,
        permitted: PERFMON_ONLY,
        effective: PERFMON_ONLY,
        bounding: PERFMON_ONLY,
      });
      expect({ tid: thread.tid, inheritable: thread.inheritable, ambient: thread.ambient }).toEqual({
        tid: thread.tid,
        inheritable: 0n,
        ambient: 0n,
      });
      expect(thread.noNewPrivileges).toBe(true);
    }
  });

  it('stops and starts again without asking for privileges, and still reports deletions', async ({
    scratch,
    tracingHelper,
  }) => {
    const started = await tracingHelper({ attachMode: 'tracepoint' });
    const { files, stats } = await restartAndDeleteFiles(started, scratch, 3);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
    expect(stats).toMatchObject({ events: 3, lost: 0 });
  });

  it('started through sudo, becomes that user with CAP_PERFMON alone, and still starts again', async ({
    scratch,
    tracingHelper,
  }) => {
    const started = await tracingHelper({
      attachMode: 'tracepoint',
      env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) },
    });
    const { actual, wanted } = everyThreadAgainst(started.pid, { uid: NOBODY, gid: NOBODY, effective: PERFMON_ONLY });
    expect(actual).toEqual(wanted);
    const { files, stats } = await restartAndDeleteFiles(started, scratch, 3);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
    expect(stats).toMatchObject({ events: 3, lost: 0 });
  });
});

describe("privileges in tracepoint mode, where kernel.perf_event_paranoid is 3 (Debian's and Ubuntu's default)", () => {
  withPerfEventParanoid(3);

  it('started through sudo, becomes that user with no capability at all, and Stop then Start attaches again', async ({
    scratch,
    tracingHelper,
  }) => {
    const started = await tracingHelper({
      attachMode: 'tracepoint',
      env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) },
    });
    const { actual, wanted } = everyThreadAgainst(started.pid, {
      uid: NOBODY,
      gid: NOBODY,
      permitted: 0n,
      effective: 0n,
    });
    expect(actual).toEqual(wanted);
    const { files, stats } = await restartAndDeleteFiles(started, scratch, 3);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
    expect(stats).toMatchObject({ events: 3, lost: 0 });
    expect(started.stderr()).toContain('now running as uid 65534 with no capabilities');
  });

  it('keeps the perf events it opened while loading, one per program, detached while stopped', async ({
    tracingHelper,
  }) => {
    const started = await tracingHelper({
      attachMode: 'tracepoint',
      env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) },
    });
    await started.connection.sendRequest(StopRequest, {});
    expect(attachedLinksOf(started.pid)).toBe(0);
    expect(perfEventsHeldBy(started.pid)).toBe(TRACEPOINT_PROGRAMS.length);
  });

  it('as root without sudo, keeps no capability either, and starts again', async ({ scratch, tracingHelper }) => {
    const started = await tracingHelper({ attachMode: 'tracepoint' });
    for (const thread of threadStatuses(started.pid))
      expect({ tid: thread.tid, effective: thread.effective }).toEqual({ tid: thread.tid, effective: 0n });
    const { files, stats } = await restartAndDeleteFiles(started, scratch, 2);
    expect(started.deletions.map((event) => event.path).sort()).toEqual(files.sort());
    expect(stats).toMatchObject({ events: 2, lost: 0 });
  });
});

describe('where tracefs is not mounted', () => {
  /**
   * The trace command in a mount namespace of its own, where /sys/kernel/tracing
   * is unmounted first if the machine has it mounted (not every machine does
   * at boot); once it has ended, the shell says on stderr whether
   * tracefs was left mounted there.
   */
  function traceWithoutTracefs(prefix: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const command = `{ ! mountpoint -q /sys/kernel/tracing || umount /sys/kernel/tracing; } && { "$@"; status=$?; if mountpoint -q /sys/kernel/tracing; then echo 'tracefs left mounted' >&2; fi; exit $status; }`;
    const args = [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      command,
      'sh',
      ...prefix,
      process.execPath,
      HELPER_SCRIPT,
      'trace',
      '--jsonl',
      '--mode',
      'tracepoint-without-32-bit',
    ];
    return new Promise((resolve, reject) => {
      const child = spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        const ready = stdout.split('\n').find((line) => line.startsWith('{"type":"ready"'));
        if (ready !== undefined && !stdout.includes('"type":"stats"'))
          process.kill((JSON.parse(ready) as { pid: number }).pid, 'SIGINT');
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('mounts it, as root, traces, and leaves it unmounted as it found it', async () => {
    const { status, stdout, stderr } = await traceWithoutTracefs([]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout.split('\n')[0])).toMatchObject({ type: 'ready', attachMode: 'tracepoint' });
    expect(stderr).not.toContain('tracefs left mounted');
  });

  it('says how to mount it where it may not', async () => {
    const { status, stderr } = await traceWithoutTracefs([
      'setpriv',
      '--inh-caps=-sys_admin',
      '--bounding-set=-sys_admin',
      '--',
    ]);
    expect(status).toBe(1);
    expect(stderr).toBe(
      'syscall-trace: the syscall tracepoints need tracefs at /sys/kernel/tracing, which could not be reached or mounted ' +
        '(Operation not permitted (EPERM)): mount it as root with `mount -t tracefs nodev /sys/kernel/tracing`, or use the raw attach mode\n',
    );
  });
});
