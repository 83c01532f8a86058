// The kernel matrix: the built helper and its programs on Debian's own
// kernels, each booted once under QEMU with the guest suite (guest/main.ts),
// which runs every attach mode in that one boot. The tests judge what the
// guest reported. Kernels come from Debian's archive (debianKernels.ts), the
// guest's file system from dist/ and build/ (initramfs.ts): run `npm run
// build` first, as `npm test` does.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { MODE_CHOICES } from '../../common/protocol';
import { UNSEEN_32_BIT, UNSEEN_IO_URING } from '../../helper/tracing/attachModes';
import { bootGuest } from '../support/kernels/bootGuest';
import { KERNEL_SERIES, debianKernels, type KernelImage, type KernelSeries } from '../support/kernels/debianKernels';
import type { ReportedDeletion, ScenarioName } from '../support/kernels/guestRecords';
import { GUEST_USER, type ProgramSetName } from '../support/kernels/guestLayout';
import { GuestResults } from '../support/kernels/guestResults';
import { buildSharedInitramfs, initramfsFor } from '../support/kernels/initramfs';
import { MatrixReportWriter, type KernelReport } from '../support/kernels/matrixReport';

/** Bounds each guest, from boot to power-off: all three modes run in it. */
const GUEST_TIMEOUT_MS = 8 * 60_000;
const VERIFIER_INSTRUCTION_LIMIT = 500_000;

let kernels: KernelImage[];
let sharedInitramfs: string;
const report = new MatrixReportWriter();

beforeAll(() => {
  kernels = debianKernels();
  sharedInitramfs = buildSharedInitramfs();
});

afterAll(() => report.write());

function paths(deletions: ReportedDeletion[]): string[] {
  return deletions.map((deletion) => deletion.path).sort();
}

/** Every deleted path reported once, at the host's full path, as succeeded. */
function expectReportedAtHostPaths(reported: ReportedDeletion[], deleted: string[]): void {
  expect(paths(reported), `reported at ${JSON.stringify(paths(reported))}`).toEqual([...deleted].sort());
  expect(reported.filter((deletion) => !deletion.complete || deletion.result !== 0)).toEqual([]);
}

/** Scenarios whose every deletion is reported at its host path in every mode, by what the user sees. */
const REPORTED_EVERYWHERE: [ScenarioName, string][] = [
  ['absolute', 'a file deleted by its absolute path is reported at that path'],
  ['relative', 'a file deleted by a relative path is reported at its absolute path'],
  [
    'dirfd-tree',
    'rm -r of a tree, deleting relative to open directories, reports every file and directory at its path',
  ],
  ['mount-namespace', 'a deletion through a bind mount in another mount namespace is reported at the host path'],
  ['chroot', 'a deletion inside a chroot is reported at the host path'],
  ['symlinked-directory', 'a deletion through a symlinked directory is reported at the real path'],
  ['proc-self-fd', 'a deletion through /proc/self/fd/N/… is reported at the path of the directory behind N'],
];

function expectSetLoads(guest: GuestResults, set: ProgramSetName): void {
  const programReport = guest.programReport(set);
  const programs = guest.programs(set);
  expect(programs.length, `program_report: ${programReport.stderr}`).toBeGreaterThan(0);
  expect(
    programs.filter((program) => !program.loaded),
    programReport.stderr,
  ).toEqual([]);
  expect(programs.filter((program) => program.instructions > VERIFIER_INSTRUCTION_LIMIT)).toEqual([]);
  expect(programReport.exitCode, programReport.stderr).toBe(0);
}

function describeKernel(series: KernelSeries, guest: () => GuestResults): void {
  const limit = VERIFIER_INSTRUCTION_LIMIT.toLocaleString('en-US');
  it(`every program of the older set loads, each within ${limit} verified instructions`, () => {
    expectSetLoads(guest(), 'older');
  });
  if (series.programs === 'newer') {
    it(`every program of the newer set loads, each within ${limit} verified instructions`, () => {
      expectSetLoads(guest(), 'newer');
    });
  }

  for (const mode of MODE_CHOICES) {
    describe(`${mode} mode`, () => {
      it('the helper loads its programs as root, then traces as the user who ran sudo', () => {
        const start = guest().started(mode);
        expect(start.uids).toEqual([GUEST_USER.uid, GUEST_USER.uid, GUEST_USER.uid, GUEST_USER.uid]);
      });

      it(`the helper chooses the ${series.programs} program set, by what the kernel has`, () => {
        expect(guest().started(mode).programSet).toBe(series.programs);
      });

      for (const [scenario, title] of REPORTED_EVERYWHERE) {
        it(title, () => {
          const { deleted, reported } = guest().scenario(mode, scenario);
          expectReportedAtHostPaths(reported, deleted);
        });
      }

      it('rmdir is reported as the deletion of a directory', () => {
        const { deleted, reported } = guest().scenario(mode, 'rmdir');
        expectReportedAtHostPaths(reported, deleted);
        expect(reported.map((deletion) => deletion.directory)).toEqual([true]);
      });

      if (mode === 'tracepoint-without-32-bit') {
        it("a static 32-bit program's deletion is not seen, and the ready line says so", () => {
          expect(guest().started(mode).unseen).toContain(UNSEEN_32_BIT);
          expect(guest().scenario(mode, 'ia32').reported).toEqual([]);
        });
      } else {
        it("a static 32-bit program's deletion is reported, through the ia32 table", () => {
          const { deleted, reported } = guest().scenario(mode, 'ia32');
          expectReportedAtHostPaths(reported, deleted);
          expect(reported.map((deletion) => deletion.abi)).toEqual(['ia32']);
        });
      }

      it("a deletion through io_uring is reported where the kernel has io_uring's tracepoints and unlinkat requests", () => {
        const { deleted, reported } = guest().scenario(mode, 'io-uring');
        if (!guest().kernel().ioUringTracepoints) {
          expect(guest().started(mode).unseen).toContain(UNSEEN_IO_URING);
          expect(reported).toEqual([]);
          return;
        }
        if (!guest().kernel().ioUringUnlinkRequests) {
          // 5.10: nothing of io_uring to see, and the ready line says so.
          expect(guest().started(mode).unseen).toEqual(
            expect.arrayContaining([
              expect.stringMatching(/^deletions through io_uring: .*not its unlinkat requests.*5\.11/),
            ]),
          );
          expect({ deleted, reported }).toEqual({ deleted: [], reported: [] });
          return;
        }
        expectReportedAtHostPaths(reported, deleted);
        expect(reported.map((deletion) => deletion.abi)).toEqual(['io_uring']);
        // Where the completion cannot name its request, the result is unknown, and the ready line says so.
        const resultsUnknown = guest()
          .started(mode)
          .unseen!.some((line) => line.startsWith('the results of deletions through io_uring'));
        expect(reported.map((deletion) => deletion.resultUnknown === true)).toEqual([resultsUnknown]);
      });

      it('a deletion outside the scope is not reported', () => {
        expect(guest().scenario(mode, 'outside-scope').reported).toEqual([]);
      });

      it('mv over a file is reported as one rename, at both host paths, that replaced the file', () => {
        const { deleted, movedTo, reported } = guest().scenario(mode, 'replace-by-mv');
        expectReportedAtHostPaths(reported, deleted);
        expect(reported.map(({ movedTo: to, replaced }) => ({ to, replaced }))).toEqual([
          { to: movedTo![0], replaced: true },
        ]);
      });

      it('a file moved out of the scope is reported, its source being in it, with nothing replaced', () => {
        const { deleted, movedTo, reported } = guest().scenario(mode, 'move-away');
        expectReportedAtHostPaths(reported, deleted);
        expect(reported.map(({ movedTo: to, replaced, syscall }) => ({ to, replaced, syscall }))).toEqual([
          { to: movedTo![0], replaced: false, syscall: 'rename' },
        ]);
      });

      if (mode === 'tracepoint-without-32-bit') {
        it("a static 32-bit program's rename is not seen", () => {
          expect(guest().scenario(mode, 'rename-32-bit').reported).toEqual([]);
        });
      } else {
        it("a static 32-bit program's renameat2 is reported through the ia32 table, with its flag", () => {
          const { deleted, movedTo, reported } = guest().scenario(mode, 'rename-32-bit');
          expectReportedAtHostPaths(reported, deleted);
          expect(
            reported.map(({ movedTo: to, abi, syscall, renameFlags, replaced }) => ({
              to,
              abi,
              syscall,
              renameFlags,
              replaced,
            })),
          ).toEqual([
            { to: movedTo![0], abi: 'ia32', syscall: 'renameat2', renameFlags: ['RENAME_NOREPLACE'], replaced: false },
          ]);
        });
      }

      it('a rename through io_uring is reported where the kernel has its tracepoints and requests', () => {
        const { deleted, movedTo, reported } = guest().scenario(mode, 'rename-by-uring');
        if (!guest().kernel().ioUringTracepoints || !guest().kernel().ioUringUnlinkRequests) {
          expect(reported).toEqual([]);
          return;
        }
        expectReportedAtHostPaths(reported, deleted);
        // Where the completion cannot name its request, the result is unknown, and so is what it replaced.
        const replaced = reported.map((rename) =>
          rename.resultUnknown ? { replacedUnknown: rename.replacedUnknown } : { replaced: rename.replaced },
        );
        expect(reported.map(({ movedTo: to, abi, syscall }) => ({ to, abi, syscall }))).toEqual([
          { to: movedTo![0], abi: 'io_uring', syscall: 'renameat' },
        ]);
        expect(replaced).toEqual([reported[0].resultUnknown ? { replacedUnknown: true } : { replaced: true }]);
      });

      it('rm -rf of 2,000 files reports every file and directory, none lost', () => {
        const storm = guest().storm(mode);
        expect(storm.missing).toEqual([]);
        expect({ reported: storm.reportedCount, incomplete: storm.incomplete, lost: storm.lost }).toEqual({
          reported: storm.deletedCount,
          incomplete: 0,
          lost: 0,
        });
      });

      it('Stop then Start attaches again, without privileges, and reports a new deletion', () => {
        const restart = guest().restart(mode);
        expect(restart.uids).toEqual([GUEST_USER.uid, GUEST_USER.uid, GUEST_USER.uid, GUEST_USER.uid]);
        expect(paths(restart.reported)).toEqual(expect.arrayContaining(restart.deleted));
      });
    });
  }
}

for (const series of KERNEL_SERIES) {
  describe(series.title, () => {
    let results: GuestResults;
    const guest = (): GuestResults => results;
    let kernelReport: KernelReport;

    beforeAll(async () => {
      const kernel = kernels.find((candidate) => candidate.series === series)!;
      const initramfs = initramfsFor(kernel, sharedInitramfs);
      const run = await bootGuest(
        kernel.vmlinuz,
        initramfs,
        initramfs.replace(/\.cpio$/, '.console.log'),
        GUEST_TIMEOUT_MS,
      );
      results = new GuestResults(run);
      // Only kernels that were booted: a run filtered to one kernel reports that one.
      kernelReport = report.kernel(series.title);
      kernelReport.release = kernel.release;
      kernelReport.guestWallMs = run.wallMs;
      kernelReport.programs = results.programs().map(({ type: _, ...program }) => program);
    });

    beforeEach(({ task, onTestFinished }) => {
      onTestFinished(({ task: finished }) => {
        const error = finished.result?.errors?.[0]?.message.split('\n')[0];
        const name = task.fullName.slice(task.fullName.indexOf(series.title) + `${series.title} > `.length);
        kernelReport.outcomes[name] = finished.result?.state === 'pass' ? 'pass' : `fail: ${error}`;
      });
    });

    describeKernel(series, guest);
  });
}
