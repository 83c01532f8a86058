// Five projects: `unit` needs neither a kernel nor VS Code; `integration`
// drives the real kernel through the built helper (dist/), as root, one file
// at a time so that deletion storms do not compete with each other, and
// `integration-older` does the same with the older program set; `kernels`
// boots Debian's kernels under QEMU, one at a time, and runs the built helper
// in each (test/kernels/kernelMatrix.test.ts); `e2e` drives the packaged
// extension in a real VS Code (code-server in Chromium), one workbench at a time.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  test: {
    root,
    projects: [
      {
        test: {
          name: 'unit',
          root,
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          root,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/recorderAccountSetup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The same suite with the older program set (bpf/kernel_compat.bpf.h),
        // which this machine's kernel runs too; the tests of choosing a set
        // set the variable themselves.
        test: {
          name: 'integration-older',
          root,
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/tracing/programSets.test.ts'],
          globalSetup: ['test/support/recorderAccountSetup.ts'],
          env: { SYSCALL_TRACE_PROGRAMS: 'older' },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'kernels',
          root,
          include: ['test/kernels/**/*.test.ts'],
          fileParallelism: false,
          // A kernel's guest boots in its describe's beforeAll, bounded by its own
          // timeout (GUEST_TIMEOUT_MS); the first also fetches the kernels.
          hookTimeout: 20 * 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          root,
          include: ['test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['test/support/e2e/globalSetup.ts', 'test/support/recorderAccountSetup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // The view catches up within a second or two; on a busy machine, longer.
          expect: { poll: { timeout: 20_000 } },
        },
      },
    ],
  },
});
